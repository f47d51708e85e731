package org.groundwork

import java.nio.file.Path
import kotlin.io.path.writeBytes
import org.groundwork.Fixtures.KEY_A
import org.groundwork.Fixtures.KEY_B
import org.groundwork.Fixtures.conversation
import org.groundwork.Fixtures.openStore
import org.groundwork.Fixtures.test
import org.groundwork.ffi.GroundworkException as Ffi
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.groundwork.ffi.ContactEdit
import org.groundwork.ffi.TextEdit

/** Every error kind, as the app sees it: one class of the sealed [GroundworkException] each
 *  (Permission is hit in SyncTest, by a member that is not an admin and by a removed device). */
class ErrorsTest {
    @TempDir
    lateinit var dir: Path

    private suspend fun <T> withGroup(body: suspend (GroundworkStore, Group) -> T): T =
        GroundworkStore.open(dir.resolve("store.db").toString(), KEY_A).use { store ->
            body(store, store.createGroup("Maple Court Tenants"))
        }

    @Test
    fun wrongKeyLengthIsInvalidInput() = test {
        for (key in listOf(ByteArray(0), ByteArray(31), ByteArray(33))) {
            assertThrows<GroundworkException.InvalidInput> {
                GroundworkStore.open(dir.resolve("store.db").toString(), key)
            }
        }
    }

    @Test
    fun wrongStoreKeyIsStorage() = test {
        val path = dir.resolve("store.db")
        openStore(path, KEY_A).use { it.createGroup("g") }
        assertThrows<GroundworkException.Storage> { GroundworkStore.open(path.toString(), KEY_B) }
        // The file is untouched: the right key still opens it.
        openStore(path, KEY_A).use { assertEquals(listOf("g"), it.groups().map { g -> g.name }) }
    }

    @Test
    fun aFileThatIsNotAStoreIsStorage() = test {
        val path = dir.resolve("notes.txt")
        path.writeBytes("not a database".repeat(100).toByteArray())
        assertThrows<GroundworkException.Storage> { GroundworkStore.open(path.toString(), KEY_A) }
    }

    @Test
    fun aStoreAlreadyOpenIsStorage() = test {
        val path = dir.resolve("store.db")
        openStore(path).use {
            assertThrows<GroundworkException.Storage> { GroundworkStore.open(path.toString(), KEY_A) }
        }
    }

    @Test
    fun unknownIdsAreNotFoundAndMalformedIdsInvalid() = test {
        withGroup { store, group ->
            val missing = "00".repeat(16)
            val calls: List<suspend (String) -> Any> = listOf(
                { group.contact(it) }, { group.followUp(it) }, { group.plan(it) }, { store.group(it) },
            )
            for (call in calls) {
                assertThrows<GroundworkException.NotFound> { call(missing) }
                assertThrows<GroundworkException.InvalidInput> { call("not-an-id") }
            }
        }
    }

    @Test
    fun oversizedFieldsAreInvalidInputNotACrash() = test {
        withGroup { _, group ->
            val huge = "x".repeat(1_000_000)
            assertThrows<GroundworkException.InvalidInput> { group.createContact(NewContact(name = huge)) }
            assertThrows<GroundworkException.InvalidInput> { group.createContact(NewContact(name = "Ana", notes = huge)) }
            assertThrows<GroundworkException.InvalidInput> {
                group.createContact(NewContact(name = "Ana", tags = List(10_000) { "t$it" }))
            }
            val ana = group.createContact(NewContact(name = "Ana"))
            assertThrows<GroundworkException.InvalidInput> {
                group.recordConversation(ana.id, conversation(steps = ConversationSteps(story = huge)))
            }
            assertThrows<GroundworkException.InvalidInput> {
                group.updateContact(ana.id, listOf(ContactEdit.EditNotes(edit = TextEdit.Splice(index = 10u, delete = 0u, insert = "x"))))
            }
            assertThrows<GroundworkException.InvalidInput> {
                group.updateContact(ana.id, List(1_001) { ContactEdit.AddTag(tag = "t") })
            }
            assertThrows<GroundworkException.InvalidInput> {
                group.recordConversation(ana.id, conversation(assessment = 99)) // not on the scale
            }
            assertThrows<GroundworkException.InvalidInput> {
                group.createFollowUp(NewFollowUp(title = "t", assignee = "a", dueMs = 1L shl 62))
            }
            // Nothing half-written: the contact is as it was.
            assertEquals(emptyList<Conversation>(), group.contact(ana.id).conversations)
        }
    }

    @Test
    fun anEditBasedOnAnUnknownVersionIsConflict() = test {
        withGroup { _, group ->
            val ana = group.createContact(NewContact(name = "Ana"))
            assertThrows<GroundworkException.Conflict> {
                group.updateContact(ana.id, listOf(ContactEdit.AddTag(tag = "t")), base = "ab".repeat(32))
            }
            assertThrows<GroundworkException.InvalidInput> {
                group.updateContact(ana.id, listOf(ContactEdit.AddTag(tag = "t")), base = "not a version")
            }
        }
    }

    @Test
    fun anInviteNobodyUsesIsNetworkAndWaitingTwiceIsInternal() = test {
        withGroup { store, group ->
            val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
            try {
                val invite = node.createInvite(group, InviteOptions(validitySecs = 1u))
                assertThrows<GroundworkException.Network> { invite.awaitJoined() }
                assertThrows<GroundworkException.Internal> { invite.awaitJoined() }
            } finally {
                node.shutdown()
            }
        }
    }

    @Test
    fun badNodeOptionsAreInvalidInput() = test {
        withGroup { store, _ ->
            assertThrows<GroundworkException.InvalidInput> { store.startNode(NodeOptions(bind = "not an address")) }
        }
    }

    @Test
    fun malformedPeerAddressesAreInvalidInput() = test {
        withGroup { store, group ->
            val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
            try {
                assertThrows<GroundworkException.InvalidInput> { node.syncNow(group, "zz", listOf("127.0.0.1:1")) }
                assertThrows<GroundworkException.InvalidInput> { node.syncNow(group, store.deviceId, listOf("nowhere")) }
            } finally {
                node.shutdown()
            }
        }
    }

    @Test
    fun aRustPanicReachesKotlinAsInternal() {
        // uniffi's scaffolding hands a panic in a synchronous call to Kotlin as the generated
        // InternalException (the Rust half is checked in ffi/src/tests.rs through the C entry
        // point); the app sees it as GroundworkException.Internal, with the panic's message.
        val panic = org.groundwork.ffi.InternalException("the call panicked: boom")
        val seen = translate(panic)
        assertTrue(seen is GroundworkException.Internal)
        assertEquals("the call panicked: boom", seen.message)
        assertSame(panic, seen.cause)
    }

    @Test
    fun eachGeneratedKindMapsToItsOwnClass() {
        val pairs = listOf(
            Ffi.InvalidInput("m") to GroundworkException.InvalidInput::class,
            Ffi.NotFound("m") to GroundworkException.NotFound::class,
            Ffi.Permission("m") to GroundworkException.Permission::class,
            Ffi.Storage("m") to GroundworkException.Storage::class,
            Ffi.Network("m") to GroundworkException.Network::class,
            Ffi.Conflict("m") to GroundworkException.Conflict::class,
            Ffi.Internal("m") to GroundworkException.Internal::class,
        )
        for ((generated, expected) in pairs) {
            val seen = translate(generated)
            assertEquals(expected, seen::class)
            assertEquals("m", seen.message)
        }
    }
}
