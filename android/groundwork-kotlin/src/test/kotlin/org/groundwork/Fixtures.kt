package org.groundwork

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.groundwork.ffi.Channel

/** Shared helpers for the tests, which mirror ffi/tests/python/test_groundwork.py by name. */
internal object Fixtures {
    val KEY_A = ByteArray(32) { it.toByte() }
    val KEY_B = ByteArray(32) { (it + 1).toByte() }

    /** How long to wait for an event from another thread before failing, in milliseconds. */
    const val WAIT_MS = 10_000L

    fun nowMs(): Long = System.currentTimeMillis()

    fun openStore(path: Path, key: ByteArray = KEY_A): GroundworkStore =
        runBlocking { GroundworkStore.open(path.toString(), key) }

    /** Runs a test body with a time limit, so a lost event fails instead of hanging the build. */
    fun test(body: suspend () -> kotlin.Unit) = runBlocking { withTimeout(60_000) { body() } }

    fun steps() = ConversationSteps(
        door = "Knocked about the rent letter",
        story = "Rent up 20%, mould in the bathroom for a year",
        vision = "If every floor signs, the landlord has to negotiate",
        obstacles = "Worried about retaliation; we talked about the union's legal fund",
        ask = "Will you sign and bring your neighbour to Thursday's meeting?",
        answer = "Yes, and she'll talk to 2B",
    )

    fun conversation(
        assessment: Long? = null,
        nextSteps: String = "",
        steps: ConversationSteps = steps(),
    ) = NewConversation(
        organizer = "rosa",
        atMs = nowMs(),
        channel = Channel.Door,
        steps = steps,
        assessment = assessment,
        nextSteps = nextSteps,
    )

    /** The node's IPv4 loopback address(es), to dial it on this machine. */
    fun loopback(node: Node): List<String> = node.addresses().filter { it.startsWith("127.0.0.1:") }
}
