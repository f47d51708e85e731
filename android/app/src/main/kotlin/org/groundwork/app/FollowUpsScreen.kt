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
        val counts = label("")
        val now = System.currentTimeMillis()
        scope.launch {
            val group = group()
            group.watchFollowUps(FollowUpQuery(assignee = app.organizer, dueBeforeMs = endOfToday(), limit = 500u))
                .collect { due ->
                    rows.replaceRows(if (due.isEmpty()) listOf(label("Nothing due today")) else due.map { row(it, now) })
                    // The same counts the phone's reminder shows: numbers only, never a name.
                    val summary = group.dueSummary(app.organizer)
                    counts.text = "${summary.dueToday} due today · ${summary.overdue} overdue"
                }
        }
        scroll(column(title("Follow-ups due"), counts, rows))
    }

    private fun MainActivity.row(f: FollowUpSummary, now: Long): View {
        val due = f.dueMs?.let { (if (it < now) "overdue since " else "due ") + dateOf(it) } ?: ""
        val text = label("${f.title}\n$due").apply {
            f.contact?.let { id -> setOnClickListener { open(ContactScreen(id)) } }
        }
        val nextWeek = System.currentTimeMillis() + 7L * 24 * 3600 * 1000
        return column(
            text,
            button("Done") { launchMain { group().completeFollowUp(f.id) } },
            button("Next week") { launchMain { group().snoozeFollowUp(f.id, nextWeek) } },
        ).apply {
            setPadding(0, 0, 0, 0)
        }
    }

    private fun endOfToday(): Long = Calendar.getInstance().apply {
        set(Calendar.HOUR_OF_DAY, 23)
        set(Calendar.MINUTE, 59)
        set(Calendar.SECOND, 59)
    }.timeInMillis
}
