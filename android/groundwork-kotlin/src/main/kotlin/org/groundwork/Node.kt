package org.groundwork

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import org.groundwork.ffi.MeetingListener
import org.groundwork.ffi.SyncListener
import org.groundwork.ffi.GroundworkException as FfiError
import org.groundwork.ffi.Invite as FfiInvite
import org.groundwork.ffi.LiveLink as FfiLiveLink
import org.groundwork.ffi.Node as FfiNode

/**
 * This device on the network: invites, joining, syncing with the group's own devices (no relay,
 * no directory). Start it with [GroundworkStore.startNode] when the app comes to the foreground
 * and [shutdown] it when it leaves; on Android, hold a `WifiManager.MulticastLock` while a
 * meeting's local-network discovery should work.
 */
public class Node internal constructor(
    private val ffi: FfiNode,
    private val store: GroundworkStore,
) : AutoCloseable {
    /** This device's id (the same as the store's). */
    public val deviceId: String get() = guard { ffi.deviceId() }

    /** The `IP:port` sockets the node listens on. */
    public fun addresses(): List<String> = guard { ffi.addresses() }

    /** The relays the node uses: only those its groups run themselves (a group's
     *  [GroupSettings.relay]); empty unless a group set one. */
    public fun relays(): List<String> = guard { ffi.relays() }

    /** An invite to [group] (this device must be an admin): show [Invite.qrPayload] as a QR code
     *  and [Invite.ticket] as text, then [Invite.awaitJoined]. */
    public suspend fun createInvite(group: Group, options: InviteOptions = InviteOptions()): Invite =
        Invite(store.blocking { ffi.createInvite(group.ffi, options) })

    /** Joins a group with a ticket (typed, or read from the QR code) and syncs it from the
     *  inviter; open it with [GroundworkStore.group] and its `groupId`. */
    public suspend fun join(ticket: String, deviceName: String): JoinedGroup =
        guard { ffi.join(ticket, deviceName) }

    /** Syncs [group] once with the member device [peerDeviceId] at [addresses] (`IP:port`). */
    public suspend fun syncNow(group: Group, peerDeviceId: String, addresses: List<String>): SyncStats =
        guard { ffi.syncNow(group.ffi, peerDeviceId, addresses) }

    /** Syncs [group] once with every member device whose address this device knows. */
    public suspend fun syncKnownPeers(group: Group): List<PeerSyncOutcome> =
        guard { ffi.syncKnownPeers(group.ffi) }

    /** Syncs, then keeps the link open: each side's edits reach the other as they are made,
     *  until the [LiveLink] is stopped. */
    public suspend fun goLive(group: Group, peerDeviceId: String, addresses: List<String>): LiveLink =
        LiveLink(guard { ffi.goLive(group.ffi, peerDeviceId, addresses) })

    /** Where the node listens and how the group's peers stand (last session with each). */
    public suspend fun syncStatus(group: Group): SyncStatus = store.blocking { ffi.syncStatus(group.ffi) }

    /** A report after each sync session (started here or by a peer), from the moment of
     *  collection; a meeting screen shows progress from it. Cancelling the collection cancels
     *  the Rust subscription. */
    public fun syncReports(): Flow<SyncReport> =
        rustFlow(conflate = false) { deliver ->
            ffi.subscribeSync(
                object : SyncListener {
                    override fun onSession(report: SyncReport) = deliver(report)
                },
            )
        }

    /**
     * Meeting mode while collected, for at most [minutes] (up to 240): this phone announces
     * itself on the meeting's Wi-Fi with an id only members recognise, and syncs [groups] once
     * with every member device it finds. Hold the `WifiManager.MulticastLock` meanwhile.
     * [MeetingEvent.Ended] comes when the time is up (reports of syncs still under way may
     * follow); cancelling the collection stops announcing and the syncs at once.
     */
    public fun meeting(groups: List<Group>, minutes: Int = 120): Flow<MeetingEvent> =
        callbackFlow {
            fun deliver(event: MeetingEvent) {
                if (trySendBlocking(event).isFailure) throw FfiError.Internal("the collector is gone")
            }
            val handle = guard {
                ffi.startMeeting(
                    groups.map { it.ffi },
                    minutes.coerceAtLeast(0).toUInt(),
                    object : MeetingListener {
                        override fun onFound(groupId: String, deviceId: String) =
                            deliver(MeetingEvent.Found(groupId, deviceId))
                        override fun onSynced(report: SyncReport) = deliver(MeetingEvent.Synced(report))
                        override fun onEnded() = deliver(MeetingEvent.Ended)
                    },
                )
            }
            awaitClose {
                handle.cancel()
                handle.close()
            }
        }.buffer(64)

    /** Tell the node the network changed (from the platform's connectivity callback). */
    public suspend fun networkChange(): kotlin.Unit = guard { ffi.networkChange() }

    /** When the app goes to the background (`onStop`): closes the endpoint cleanly and frees
     *  its sockets; network calls throw [GroundworkException.Network] until [resume]. Flows of
     *  [syncReports] stay. Safe to call twice. */
    public suspend fun pause(): kotlin.Unit = guard { ffi.pause() }

    /** When the app comes back (`onStart`): starts the endpoint again with the same options. */
    public suspend fun resume(): kotlin.Unit = guard { ffi.resume() }

    /** Stops serving and closes the endpoint cleanly for the peers. Safe to call twice. */
    public suspend fun shutdown(): kotlin.Unit = guard { ffi.shutdown() }

    /** Frees the Rust handle; a node not shut down is shut down in the background. */
    override fun close(): kotlin.Unit = ffi.close()
}

/** What meeting mode did (see [Node.meeting]). */
public sealed class MeetingEvent {
    /** A member device of [groupId] was heard on the local network; a sync with it started. */
    public data class Found(val groupId: String, val deviceId: String) : MeetingEvent()

    /** A sync with a device found finished ([SyncReport.error] set when it failed). */
    public data class Synced(val report: SyncReport) : MeetingEvent()

    /** The time limit passed: this phone is no longer announced. */
    public object Ended : MeetingEvent()
}

/** A live invite: it works once, until [expiresAtMs]. */
public class Invite internal constructor(private val ffi: FfiInvite) : AutoCloseable {
    /** The ticket as text (`gwinvite1…`), for the other device to paste. */
    public val ticket: String get() = guard { ffi.ticket() }

    /** What the QR code encodes: the ticket itself (byte mode, error correction L). */
    public val qrPayload: String get() = guard { ffi.qrPayload() }

    public val groupName: String get() = guard { ffi.groupName() }

    public val expiresAtMs: Long get() = guard { ffi.expiresAtMs() }

    /** The addresses the ticket gives for this device. */
    public val addresses: List<String> get() = guard { ffi.addresses() }

    /** Waits until a device joins: both screens then show its fingerprint for people to compare.
     *  [GroundworkException.Network] if nobody joins in time; [GroundworkException.Internal] if
     *  awaited twice. */
    public suspend fun awaitJoined(): JoinedDevice = guard { ffi.waitJoined() }

    override fun close(): kotlin.Unit = ffi.close()
}

/** An open live link to one peer (see [Node.goLive]). Closing it stops it. */
public class LiveLink internal constructor(private val ffi: FfiLiveLink) : AutoCloseable {
    /** False once stopped, or once either side ended it. */
    public val isOpen: Boolean get() = guard { ffi.isOpen() }

    /** Closes the link. Safe to call twice. */
    public fun stop(): kotlin.Unit = guard { ffi.stop() }

    override fun close() {
        ffi.stop()
        ffi.close()
    }
}
