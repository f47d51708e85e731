package org.groundwork.app

import android.content.ClipData
import android.content.ClipboardManager
import android.content.Context
import android.graphics.Typeface
import android.net.wifi.WifiManager
import android.view.View
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.groundwork.GroundworkException
import org.groundwork.InviteOptions
import org.groundwork.MeetingEvent
import org.groundwork.SyncReport

/**
 * At a meeting: show an invite (its QR payload as text, to encode or paste), join with one, and
 * meeting mode (sync with the members' devices on this Wi-Fi while it is on, with progress).
 */
class MeetingScreen : Screen() {
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val status = label("")
        val invitePanel = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val progress = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val ticket = field("Paste or scan an invite (gwinvite1…)")
        val deviceName = field("This phone's name in the group", initial = android.os.Build.MODEL)

        val showInvite = button("Show an invite") {
            launchMain {
                val node = app.node()
                val invite = node.createInvite(group(), InviteOptions())
                invitePanel.replaceRows(listOf(
                    label("Scan this with the new phone, or paste it there. It works once, for ten minutes."),
                    payload(invite.qrPayload),
                    button("Copy") { copy(invite.ticket) },
                ))
                val joined = invite.awaitJoined()
                invitePanel.replaceRows(listOf(
                    label("${joined.name} joined. Compare this fingerprint with their screen, out loud:"),
                    title(joined.fingerprint),
                ))
                invite.close()
            }
        }
        val join = button("Join with this invite") {
            launchMain {
                val joined = app.node().join(ticket.text.toString().trim(), deviceName.text.toString().trim())
                app.groupId = joined.groupId
                status.text = "Joined ${joined.groupName}. Your fingerprint: ${joined.fingerprint}. Compare it out loud."
            }
        }
        val meeting = MeetingMode.of(app)
        val toggle = button("") {}
        fun refresh() {
            toggle.text = if (meeting.on) "End meeting mode" else "Start meeting mode"
        }
        toggle.setOnClickListener {
            if (meeting.on) meeting.stop() else meeting.start(this)
            refresh()
        }
        refresh()
        scope.launch {
            meeting.progress.collect { lines -> progress.replaceRows(lines.map { label(it, 14f) }) }
        }
        scroll(column(
            title("Meeting"), status,
            toggle, progress,
            title("Invite a phone"), showInvite, invitePanel,
            title("Join a group"), ticket, deviceName, join,
        ))
    }

    private fun MainActivity.payload(text: String) = TextView(this).apply {
        this.text = text
        typeface = Typeface.MONOSPACE
        setTextIsSelectable(true)
    }

    private fun MainActivity.copy(text: String) {
        val clipboard = getSystemService(Context.CLIPBOARD_SERVICE) as ClipboardManager
        clipboard.setPrimaryClip(ClipData.newPlainText("Groundwork invite", text))
    }
}

/**
 * Meeting mode: while on, the node runs, the phone holds a `WifiManager.MulticastLock` (Android
 * drops multicast, which local discovery needs, unless an app holds one) and runs core's meeting
 * mode: it announces itself on the Wi-Fi with an id only members recognise and syncs with every
 * member device it finds ([org.groundwork.Node.meeting]). It also syncs with the devices it
 * already knows every [PERIOD_MS], for a network that blocks multicast. Each find and session is
 * shown as progress. Off: meeting mode and the lock end at once. It lives in the app's scope, so
 * it survives leaving the screen.
 */
internal class MeetingMode private constructor(private val app: GroundworkApp) {
    private var job: Job? = null
    private val lock: WifiManager.MulticastLock =
        (app.applicationContext.getSystemService(Context.WIFI_SERVICE) as WifiManager)
            .createMulticastLock("groundwork-meeting")
            .apply { setReferenceCounted(false) }

    /** What the sessions did, newest first. */
    val progress = MutableStateFlow<List<String>>(emptyList())
    val on: Boolean get() = job?.isActive == true

    fun start(activity: MainActivity) {
        if (on) return
        lock.acquire()
        job = app.scope.launch {
            try {
                val node = app.node()
                val group = activity.group()
                launch { node.syncReports().collect { r -> progress.value = (listOf(describe(r)) + progress.value).take(50) } }
                launch {
                    try {
                        node.meeting(listOf(group), minutes = MEETING_MINUTES).collect { event ->
                            when (event) {
                                is MeetingEvent.Found -> note("Found ${event.deviceId.take(8)} on this Wi-Fi")
                                is MeetingEvent.Synced -> Unit // shown by syncReports
                                MeetingEvent.Ended -> note("Meeting mode ended after $MEETING_MINUTES minutes")
                            }
                        }
                    } catch (e: GroundworkException) {
                        note("Local discovery is off: ${e.message}")
                    }
                }
                while (isActive) {
                    try {
                        val outcomes = node.syncKnownPeers(group)
                        val failed = outcomes.count { it.error != null }
                        note("Synced with ${outcomes.size - failed} of ${outcomes.size} known devices")
                    } catch (e: GroundworkException) {
                        note("Sync failed: ${e.message}")
                    }
                    delay(PERIOD_MS)
                }
            } finally {
                if (lock.isHeld) lock.release()
            }
        }
    }

    fun stop() {
        job?.cancel()
        job = null
        if (lock.isHeld) lock.release()
    }

    private fun note(line: String) {
        progress.value = (listOf(line) + progress.value).take(50)
    }

    private fun describe(r: SyncReport): String {
        val who = r.peerDeviceId.take(8)
        val stats = r.stats
        return when {
            r.error != null -> "${dateTimeOf(r.atMs)} · $who · failed: ${r.error}"
            stats != null -> "${dateTimeOf(r.atMs)} · $who · ${stats.docsReceived} records in, ${stats.docsSent} out"
            else -> "${dateTimeOf(r.atMs)} · $who"
        }
    }

    companion object {
        private const val PERIOD_MS = 30_000L
        private const val MEETING_MINUTES = 120
        private var instance: MeetingMode? = null

        fun of(app: GroundworkApp): MeetingMode = instance ?: MeetingMode(app).also { instance = it }
    }
}
