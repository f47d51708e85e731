package org.groundwork.app

import android.app.Application
import android.content.Context
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import org.groundwork.GroundworkStore
import org.groundwork.Node
import org.groundwork.NodeOptions

/**
 * The app's one store, open for the process's lifetime (a second open of the same file would
 * fail: the store is locked while open), and the node while the app is in use.
 */
class GroundworkApp : Application() {
    /** Work that outlives a screen (the node, meeting mode). */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    /** The store, opening in the background from the first moment the process starts. */
    lateinit var store: Deferred<GroundworkStore>
        private set

    private var node: Node? = null

    override fun onCreate() {
        super.onCreate()
        store = scope.async(Dispatchers.IO) {
            val key = StoreKey(File(filesDir, "store.key")).load()
            try {
                GroundworkStore.open(File(filesDir, "groundwork/store.db").path, key)
            } finally {
                key.fill(0)
            }
        }
    }

    /** The node, started on first use; it listens on every interface (a meeting's Wi-Fi). */
    suspend fun node(): Node = node ?: store.await().startNode(NodeOptions()).also { node = it }

    /** Pauses the node when the app goes to the background with no meeting on: its sockets
     *  close and peers see it leave; the store and its flows stay. */
    suspend fun pauseNode() {
        node?.pause()
    }

    /** Starts a paused node again when the app comes back. */
    suspend fun resumeNode() {
        try {
            node?.resume()
        } catch (e: org.groundwork.GroundworkException) {
            android.util.Log.w("Groundwork", "the node could not start again: ${e.message}")
        }
    }

    /** Who is organizing on this phone: the name conversations and follow-ups are filed under. */
    var organizer: String
        get() = prefs().getString("organizer", null) ?: "me"
        set(value) = prefs().edit().putString("organizer", value).apply()

    /** The group the screens show (the phone's first group unless another was chosen). */
    var groupId: String?
        get() = prefs().getString("group", null)
        set(value) = prefs().edit().putString("group", value).apply()

    private fun prefs() = getSharedPreferences("groundwork", Context.MODE_PRIVATE)
}
