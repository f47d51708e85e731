package org.groundwork.app

import android.view.View
import android.widget.LinearLayout
import java.util.Calendar
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.groundwork.FollowUpQuery
import org.groundwork.FollowUpSummary

/**
 * The organizer's follow-ups due by the end of today (overdue first), from a watch: one done
 * here, or by another device that synced, leaves the list at once. Tapping one with a contact
 * opens their page.
 */
class FollowUpsScreen : Screen() {
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val rows = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val now = System.currentTimeMillis()
        scope.launch {
            val group = group()
            group.watchFollowUps(FollowUpQuery(assignee = app.organizer, dueBeforeMs = endOfToday(), limit = 500u))
                .collect { due ->
                    rows.replaceRows(if (due.isEmpty()) listOf(label("Nothing due today")) else due.map { row(it, now) })
                }
        }
        scroll(column(title("Follow-ups due"), rows))
    }

    private fun MainActivity.row(f: FollowUpSummary, now: Long): View {
        val due = f.dueMs?.let { (if (it < now) "overdue since " else "due ") + dateOf(it) } ?: ""
        val text = label("${f.title}\n$due").apply {
            f.contact?.let { id -> setOnClickListener { open(ContactScreen(id)) } }
        }
        return column(text, button("Done") { launchMain { group().completeFollowUp(f.id) } }).apply {
            setPadding(0, 0, 0, 0)
        }
    }

    private fun endOfToday(): Long = Calendar.getInstance().apply {
        set(Calendar.HOUR_OF_DAY, 23)
        set(Calendar.MINUTE, 59)
        set(Calendar.SECOND, 59)
    }.timeInMillis
}
