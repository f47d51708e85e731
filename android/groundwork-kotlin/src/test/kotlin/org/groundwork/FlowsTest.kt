package org.groundwork

import java.nio.file.Path
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.produceIn
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import org.groundwork.Fixtures.WAIT_MS
import org.groundwork.Fixtures.nowMs
import org.groundwork.Fixtures.openStore
import org.groundwork.Fixtures.test
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.groundwork.ffi.ContactEdit
import org.groundwork.ffi.Notification
import org.groundwork.ffi.RecordFilter

/** Subscriptions and list watches as Flows; cancelling the flow cancels the Rust subscription. */
class FlowsTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var store: GroundworkStore
    private lateinit var group: Group

    @BeforeEach
    fun open() = test {
        store = openStore(dir.resolve("store.db"))
        group = store.createGroup("Maple Court Tenants")
    }

    @AfterEach
    fun close() = store.close()

    @Test
    fun aSubscriptionDeliversEventsUntilTheFlowIsCancelled() = test {
        coroutineScope {
            val events = group.changes(RecordFilter.Kinds(kinds = listOf(RecordKind.CONTACT)))
                .filterIsInstance<Notification.Changed>()
                .produceIn(this)
            // The subscription starts when the collector does: give it a moment to be in place.
            delay(200)
            val ana = group.createContact(NewContact(name = "Ana Ruiz"))
            val event = withTimeout(WAIT_MS) { events.receive() }.event
            assertEquals(ana.id, event.recordId)
            assertEquals(RecordKind.CONTACT, event.kind)
            assertEquals(Origin.LOCAL, event.origin)
            assertEquals(group.id, event.groupId)
            assertFalse(event.erased)
            // A follow-up is not a contact: filtered out by Rust.
            group.createFollowUp(NewFollowUp(title = "Call", assignee = "rosa"))
            group.updateContact(ana.id, listOf(ContactEdit.AddTag(tag = "x")))
            assertEquals(ana.id, withTimeout(WAIT_MS) { events.receive() }.event.recordId)

            // Cancelling the collector cancels the Rust subscription: Rust calls no listener
            // of ours any more (it would count a delivery even with nobody to hand it to).
            events.cancel()
            delay(200)
            val before = Subscriptions.deliveries.get()
            repeat(3) { group.updateContact(ana.id, listOf(ContactEdit.AddTag(tag = "y$it"))) }
            delay(300)
            assertEquals(before, Subscriptions.deliveries.get())
        }
    }

    @Test
    fun aFailingCollectorEndsOnlyItsSubscription() = test {
        coroutineScope {
            val failing = async(start = CoroutineStart.UNDISPATCHED) {
                runCatching { group.changes().collect { error("the screen is gone") } }
            }
            delay(200)
            group.createContact(NewContact(name = "Ana Ruiz"))
            val outcome = withTimeout(WAIT_MS) { failing.await() }
            assertEquals("the screen is gone", outcome.exceptionOrNull()?.message)
            delay(200)
            val before = Subscriptions.deliveries.get()
            // The store is fine, and the ended subscription gets nothing more.
            group.createContact(NewContact(name = "Bea Lund"))
            delay(300)
            assertEquals(before, Subscriptions.deliveries.get())
            assertEquals(2L, group.countContacts())
        }
    }

    @Test
    fun watchAContactListGetsTheRowsThenEachChange() = test {
        group.createContact(NewContact(name = "Ana Ruiz", tags = listOf("floor-2")))
        coroutineScope {
            val rows = group.watchContacts(ContactQuery(tag = "floor-2")).produceIn(this)
            assertEquals(listOf("Ana Ruiz"), withTimeout(WAIT_MS) { rows.receive() }.map { it.name })
            val bea = group.createContact(NewContact(name = "Bea Lund", tags = listOf("floor-2")))
            assertEquals(listOf("Ana Ruiz", "Bea Lund"), withTimeout(WAIT_MS) { rows.receive() }.map { it.name })
            group.updateContact(bea.id, listOf(ContactEdit.RemoveTag(tag = "floor-2")))
            assertEquals(listOf("Ana Ruiz"), withTimeout(WAIT_MS) { rows.receive() }.map { it.name })
            rows.cancel()
        }
    }

    @Test
    fun watchFollowUpsDue() = test {
        coroutineScope {
            val rows = group.watchFollowUps(FollowUpQuery(dueBeforeMs = nowMs() + 3600 * 1000)).produceIn(this)
            assertEquals(emptyList<FollowUpSummary>(), withTimeout(WAIT_MS) { rows.receive() })
            val call = group.createFollowUp(NewFollowUp(title = "Call Ana", assignee = "rosa", dueMs = nowMs()))
            assertEquals(listOf("Call Ana"), withTimeout(WAIT_MS) { rows.receive() }.map { it.title })
            group.completeFollowUp(call.id)
            assertEquals(emptyList<FollowUpSummary>(), withTimeout(WAIT_MS) { rows.receive() })
            rows.cancel()
        }
    }

    @Test
    fun aFlowCollectedTwiceSubscribesTwice() = test {
        group.createContact(NewContact(name = "Ana Ruiz"))
        val flow = group.watchContacts()
        // Each collection is its own subscription, and each starts with the current rows.
        assertEquals(listOf("Ana Ruiz"), withTimeout(WAIT_MS) { flow.first() }.map { it.name })
        assertEquals(listOf(listOf("Ana Ruiz")), withTimeout(WAIT_MS) { flow.take(1).toList() }.map { r -> r.map { it.name } })
    }
}
