package org.groundwork.app

import android.app.Activity
import android.os.Bundle
import android.view.View
import android.widget.LinearLayout
import android.widget.Toast
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import org.groundwork.GroundworkException
import org.groundwork.GroundworkStore
import org.groundwork.Group

/**
 * The one activity: a tab row (contacts, follow-ups, plans, meeting) over the current screen, and
 * a back stack of screens. Each screen gets a coroutine scope of its own, cancelled when it
 * leaves: its flows stop, and with them their Rust subscriptions.
 */
class MainActivity : Activity() {
    internal val app get() = application as GroundworkApp
    private val stack = ArrayDeque<Screen>()
    private var screenScope: CoroutineScope? = null
    private lateinit var frame: LinearLayout
    private lateinit var tabs: View

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        frame = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        tabs = row(
            button("Contacts") { reset(ContactsScreen()) },
            button("Follow-ups") { reset(FollowUpsScreen()) },
            button("Plans") { reset(PlansScreen()) },
            button("Meeting") { reset(MeetingScreen()) },
        )
        val root = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(tabs)
            addView(frame, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f))
        }
        setContentView(root)
        launchMain {
            val store = app.store.await()
            reset(if (currentGroupOrNull(store) == null) StartScreen() else ContactsScreen())
        }
    }

    /** Opens [screen] on top of the current one. */
    fun open(screen: Screen) {
        stack.addLast(screen)
        show()
    }

    /** Clears the stack and opens [screen] (a tab). */
    fun reset(screen: Screen) {
        stack.clear()
        open(screen)
    }

    /** Back to the previous screen, or out of the app. */
    fun back() {
        if (stack.size > 1) {
            stack.removeLast()
            show()
        } else {
            finish()
        }
    }

    @Deprecated("the framework's back key, kept for API levels before OnBackInvokedCallback")
    override fun onBackPressed() = back()

    private fun show() {
        screenScope?.cancel()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
        screenScope = scope
        val screen = stack.last()
        tabs.visibility = if (screen.showsTabs) View.VISIBLE else View.GONE
        frame.removeAllViews()
        frame.addView(screen.build(this, scope), LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.MATCH_PARENT)
    }

    /** The group the screens work on. */
    suspend fun group(): Group {
        val store = app.store.await()
        return currentGroupOrNull(store) ?: throw GroundworkException.NotFound("no group on this phone yet")
    }

    private suspend fun currentGroupOrNull(store: GroundworkStore): Group? {
        val id = app.groupId ?: store.groups().firstOrNull()?.id ?: return null
        return try {
            store.group(id)
        } catch (e: GroundworkException.NotFound) {
            app.groupId = null
            null
        }
    }

    /** Runs [block] on the main thread in the current screen's scope; a Groundwork error is
     *  shown as a toast (it is for people), anything else is a bug and crashes. */
    fun launchMain(block: suspend CoroutineScope.() -> Unit) {
        val scope = screenScope ?: app.scope
        scope.launch {
            try {
                block()
            } catch (e: GroundworkException) {
                Toast.makeText(this@MainActivity, e.message, Toast.LENGTH_LONG).show()
            }
        }
    }

    override fun onStart() {
        super.onStart()
        app.scope.launch { app.resumeNode() }
    }

    /** In the background the node is paused, unless meeting mode is on (it keeps syncing). */
    override fun onStop() {
        if (!MeetingMode.of(app).on) app.scope.launch { app.pauseNode() }
        super.onStop()
    }

    override fun onDestroy() {
        screenScope?.cancel()
        super.onDestroy()
    }
}

/** One screen: builds its view; collects its flows in [scope], which ends when it leaves. */
abstract class Screen {
    open val showsTabs: Boolean = true
    abstract fun build(activity: MainActivity, scope: CoroutineScope): View
}
