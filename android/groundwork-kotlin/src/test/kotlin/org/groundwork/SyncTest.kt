package org.groundwork

import java.nio.file.Path
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.produceIn
import kotlinx.coroutines.withTimeout
import org.groundwork.Fixtures.KEY_A
import org.groundwork.Fixtures.KEY_B
import org.groundwork.Fixtures.WAIT_MS
import org.groundwork.Fixtures.conversation
import org.groundwork.Fixtures.loopback
import org.groundwork.Fixtures.nowMs
import org.groundwork.Fixtures.openStore
import org.groundwork.Fixtures.test
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.groundwork.ffi.ContactEdit
import org.groundwork.ffi.Notification
import org.groundwork.ffi.RecordFilter
import org.groundwork.ffi.SettingsEdit

/** Two stores in one JVM, each with a real iroh endpoint on loopback, joined by an invite. */
class SyncTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun aNodeUsesARelayOnlyWhenItsGroupSetsOne() = test {
        openStore(dir.resolve("relay.db"), KEY_A).use { store ->
            val group = store.createGroup("Maple Court Tenants")
            suspend fun relays(): List<String> {
                val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
                try {
                    return node.relays()
                } finally {
                    node.shutdown()
                }
            }
            assertNull(group.settings().relay)
            assertEquals(emptyList<String>(), relays())
            val set = group.updateSettings(listOf(SettingsEdit.SetRelay(url = "http://127.0.0.1:3340")))
            assertEquals("http://127.0.0.1:3340/", set.relay)
            assertEquals(listOf("http://127.0.0.1:3340/"), relays())
            assertNull(group.updateSettings(listOf(SettingsEdit.SetRelay(url = null))).relay)
            assertEquals(emptyList<String>(), relays())
        }
    }

    @Test
    fun twoStoresSyncOverLoopbackThroughAnInvite() = test {
        openStore(dir.resolve("a.db"), KEY_A).use { a ->
            openStore(dir.resolve("b.db"), KEY_B).use { b ->
                val groupA = a.createGroup("Maple Court Tenants")
                val ana = groupA.createContact(NewContact(name = "Ana Ruiz"))
                groupA.recordConversation(ana.id, conversation(assessment = 2))
                val nodeA = a.startNode(NodeOptions(bind = "127.0.0.1:0"))
                val nodeB = b.startNode(NodeOptions(bind = "127.0.0.1:0"))
                try {
                    twoDevices(a, b, groupA, ana.id, nodeA, nodeB)
                } finally {
                    nodeA.shutdown()
                    nodeB.shutdown()
                    nodeA.shutdown() // twice is fine
                }
            }
        }
    }

    private suspend fun twoDevices(
        a: GroundworkStore,
        b: GroundworkStore,
        groupA: Group,
        anaId: String,
        nodeA: Node,
        nodeB: Node,
    ) = coroutineScope {
        assertEquals(1, loopback(nodeA).size)
        val sessionsA = nodeA.syncReports().produceIn(this)

        // A shows an invite; B joins with its ticket; both screens show B's fingerprint.
        val invite = nodeA.createInvite(groupA, InviteOptions(validitySecs = 120u))
        assertTrue(invite.ticket.startsWith("gwinvite1"))
        assertEquals(invite.ticket, invite.qrPayload)
        assertEquals("Maple Court Tenants", invite.groupName)
        assertTrue(invite.expiresAtMs > nowMs())
        assertTrue(invite.addresses.isNotEmpty() && invite.addresses.all { it.startsWith("127.0.0.1:") })
        val joinedOnA = async { invite.awaitJoined() }
        val joined = nodeB.join(invite.ticket, "Rosa's phone")
        val device = withTimeout(WAIT_MS) { joinedOnA.await() }
        assertEquals(b.fingerprint, joined.fingerprint)
        assertEquals(b.fingerprint, device.fingerprint)
        assertEquals(b.deviceId, device.deviceId)
        assertEquals("Rosa's phone", device.name)
        assertEquals("Maple Court Tenants", joined.groupName)

        // B has the group's records.
        val groupB = b.group(joined.groupId)
        assertEquals(2L, groupB.contact(anaId).assessment)
        val members = groupB.members().associateBy { it.deviceId }
        assertEquals(Role.ADMIN, members.getValue(a.deviceId).role)
        assertEquals(Role.MEMBER, members.getValue(b.deviceId).role)
        assertTrue(members.getValue(b.deviceId).isThisDevice)
        assertEquals(Role.MEMBER, groupB.myRole())

        // B is not an admin: it may not invite, nor remove devices.
        assertThrows<GroundworkException.Permission> { nodeB.createInvite(groupB) }
        assertThrows<GroundworkException.Permission> { groupB.removeDevice(a.deviceId) }

        // A edits; B syncs with A, and B's flow gets the remote change.
        val onB = groupB.changes(RecordFilter.Record(id = anaId))
            .filterIsInstance<Notification.Changed>()
            .produceIn(this)
        delay(200)
        groupA.updateContact(anaId, listOf(ContactEdit.AddTag(tag = "leader")))
        val stats = nodeB.syncNow(groupB, a.deviceId, loopback(nodeA))
        assertTrue(stats.changesReceived >= 1u)
        val event = withTimeout(WAIT_MS) { onB.receive() }.event
        assertEquals(anaId, event.recordId)
        assertEquals(Origin.REMOTE, event.origin)
        assertTrue("leader" in groupB.contact(anaId).tags)
        onB.cancel()

        // Concurrent edits of one field on both devices: a conflict, shown on both, resolved once.
        groupA.updateContact(anaId, listOf(ContactEdit.SetName(name = "Ana Ruiz-Lopez")))
        groupB.updateContact(anaId, listOf(ContactEdit.SetName(name = "Ana R. Lopez")))
        val bea = groupB.createContact(NewContact(name = "Bea Lund"))
        // B knows A's address from the invite: sync with every known peer.
        val outcome = nodeB.syncKnownPeers(groupB).single()
        assertEquals(a.deviceId, outcome.deviceId)
        assertNull(outcome.error, outcome.error)
        assertEquals("Bea Lund", groupA.contact(bea.id).name)
        for (g in listOf(groupA, groupB)) {
            val conflict = g.contact(anaId).meta.conflicts.single()
            assertEquals("name", conflict.field)
            assertEquals(listOf("Ana R. Lopez", "Ana Ruiz-Lopez"), conflict.values.map { it.value }.sorted())
        }
        groupB.resolveConflict(anaId, "name", "Ana Ruiz-Lopez")
        nodeB.syncNow(groupB, a.deviceId, loopback(nodeA))
        for (g in listOf(groupA, groupB)) {
            val c = g.contact(anaId)
            assertEquals("Ana Ruiz-Lopez", c.name)
            assertEquals(emptyList<Conflict>(), c.meta.conflicts)
        }

        // A live link: A's edits reach B as they are made, no sync call needed.
        val link = nodeB.goLive(groupB, a.deviceId, loopback(nodeA))
        assertTrue(link.isOpen)
        val live = groupB.changes().filterIsInstance<Notification.Changed>().produceIn(this)
        delay(200)
        val cy = groupA.createContact(NewContact(name = "Cy Live"))
        val liveEvent = withTimeout(WAIT_MS) { live.receive() }.event
        assertEquals(cy.id, liveEvent.recordId)
        assertEquals(Origin.REMOTE, liveEvent.origin)
        assertEquals("Cy Live", groupB.contact(cy.id).name)
        live.cancel()
        link.stop()
        link.stop() // twice is fine
        assertFalse(link.isOpen)
        link.close()

        // The sync status, and the session reports A's flow received (B started them).
        val peer = nodeB.syncStatus(groupB).peers.single()
        assertEquals(a.deviceId, peer.deviceId)
        assertNotNull(peer.lastSession)
        assertNull(peer.lastSession!!.error)
        assertTrue(peer.lastSession!!.initiated)
        val report = withTimeout(WAIT_MS) { sessionsA.receive() }
        assertEquals(b.deviceId, report.peerDeviceId)
        assertFalse(report.initiated)
        sessionsA.cancel()
        nodeA.networkChange()

        // A removes B: B's next sync is refused.
        groupA.removeDevice(b.deviceId)
        assertFalse(b.deviceId in groupA.members().map { it.deviceId })
        assertThrows<GroundworkException.Permission> { nodeB.syncNow(groupB, a.deviceId, loopback(nodeA)) }
    }
}
