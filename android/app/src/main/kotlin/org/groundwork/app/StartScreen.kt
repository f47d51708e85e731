package org.groundwork.app

import android.view.View
import kotlinx.coroutines.CoroutineScope

/** First run: start a group on this phone, or join one at a meeting. */
class StartScreen : Screen() {
    override val showsTabs = false

    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val name = field("Your group's name (e.g. Maple Court Tenants)")
        val organizer = field("Your name, as organizer", initial = app.organizer)
        scroll(column(
            title("Groundwork"),
            label("Your group's contacts and conversations stay on your phones, encrypted, and sync between members' phones at meetings. No server."),
            organizer,
            name,
            button("Start a group") {
                val groupName = name.text.toString().trim()
                if (groupName.isNotEmpty()) {
                    launchMain {
                        app.organizer = organizer.text.toString().trim().ifEmpty { "me" }
                        app.groupId = app.store.await().createGroup(groupName).id
                        reset(ContactsScreen())
                    }
                }
            },
            button("Join a group at a meeting") {
                app.organizer = organizer.text.toString().trim().ifEmpty { "me" }
                reset(MeetingScreen())
            },
        ))
    }
}
