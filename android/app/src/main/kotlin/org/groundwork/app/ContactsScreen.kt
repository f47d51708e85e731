package org.groundwork.app

import android.view.View
import android.widget.LinearLayout
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.FlowPreview
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.debounce
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import org.groundwork.ContactQuery
import org.groundwork.ContactSummary
import org.groundwork.NewContact

/**
 * The contact list with search by name. The rows come from a watch: they redraw when a contact
 * changes here or arrives by sync. Typing restarts the watch with the new prefix (the old Rust
 * subscription is cancelled as its flow is).
 */
class ContactsScreen : Screen() {
    @OptIn(ExperimentalCoroutinesApi::class, FlowPreview::class)
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val search = field("Search by name")
        val newName = field("New contact's name")
        val rows = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val prefix = MutableStateFlow("")
        search.onChange { prefix.value = it.trim() }

        scope.launch {
            val group = group()
            prefix.debounce(150)
                .flatMapLatest { p -> group.watchContacts(ContactQuery(namePrefix = p.ifEmpty { null }, limit = 200u)) }
                .collect { contacts -> rows.replaceRows(contacts.map { contactRow(it) }) }
        }
        val add = button("Add contact") {
            val name = newName.text.toString().trim()
            if (name.isNotEmpty()) {
                launchMain {
                    val contact = group().createContact(NewContact(name = name))
                    newName.setText("")
                    open(ContactScreen(contact.id))
                }
            }
        }
        scroll(column(title("Contacts"), search, rows, newName, add))
    }

    private fun MainActivity.contactRow(c: ContactSummary): View {
        val assessed = c.assessmentLabel ?: "not assessed"
        val last = c.lastConversationAtMs?.let { " · last talked ${dateOf(it)}" } ?: ""
        val dnc = if (c.doNotContact) " · do not contact" else ""
        return label("${c.name}\n$assessed$last$dnc").apply {
            setOnClickListener { open(ContactScreen(c.id)) }
        }
    }
}
