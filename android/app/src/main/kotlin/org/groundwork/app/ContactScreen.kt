package org.groundwork.app

import android.view.View
import android.widget.LinearLayout
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.onStart
import kotlinx.coroutines.launch
import org.groundwork.Contact
import org.groundwork.FollowUpQuery
import org.groundwork.GroupSettings
import org.groundwork.ffi.Notification
import org.groundwork.ffi.RecordFilter

/**
 * A contact's page: who they are, their assessment, the conversation log (newest first, each
 * with its five steps) and their open follow-ups. Redrawn when the contact changes, here or by
 * sync.
 */
class ContactScreen(private val contactId: String) : Screen() {
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val body = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        scope.launch {
            val group = group()
            val settings = group.settings()
            group.changes(RecordFilter.Record(id = contactId))
                .filterIsInstance<Notification.Changed>()
                .onStart<Any> { emit(kotlin.Unit) }
                .collect {
                    val contact = group.contact(contactId)
                    val followUps = group.followUps(FollowUpQuery(contact = contactId))
                    body.replaceRows(page(contact, settings, followUps.map { f ->
                        f.title + (f.dueMs?.let { " · due ${dateOf(it)}" } ?: "")
                    }))
                }
        }
        scroll(
            column(
                body,
                button("Record a conversation") { open(RecordConversationScreen(contactId)) },
                button("Back") { back() },
            ),
        )
    }

    private fun MainActivity.page(c: Contact, settings: GroupSettings, followUps: List<String>): List<View> {
        val labelOf = settings.scale.levels.associate { it.value to it.label }
        val views = mutableListOf<View>(title(c.name))
        views += label("Assessment: " + (c.assessment?.let { labelOf[it] ?: "$it" } ?: "not assessed"))
        c.phones.forEach { views += label("${it.label}: ${it.value}") }
        if (c.tags.isNotEmpty()) views += label("Tags: " + c.tags.joinToString(", "))
        if (c.doNotContact) views += label("Do not contact")
        if (c.notes.isNotBlank()) views += label(c.notes)
        c.meta.conflicts.forEach { conflict ->
            views += label("Two values for ${conflict.field}: " + conflict.values.joinToString(" / ") { it.value })
        }
        views += title("Follow-ups")
        views += if (followUps.isEmpty()) listOf(label("None open")) else followUps.map { label(it) }
        views += title("Conversations")
        if (c.conversations.isEmpty()) views += label("No conversation yet")
        for (talk in c.conversations.sortedByDescending { it.atMs }) {
            val assessed = talk.assessment?.let { labelOf[it] ?: "$it" } ?: "not assessed"
            val revised = if (talk.revision > 1u) " (corrected)" else ""
            views += label("${dateTimeOf(talk.atMs)} · ${talk.organizer} · $assessed$revised", 14f)
            for ((step, text) in STEPS.map { it.title }.zip(stepTexts(talk.steps))) {
                if (text.isNotBlank()) views += label("$step: $text", 14f)
            }
            if (talk.nextSteps.isNotBlank()) views += label("Next steps: ${talk.nextSteps}", 14f)
        }
        return views
    }
}
