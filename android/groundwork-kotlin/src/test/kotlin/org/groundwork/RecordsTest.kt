package org.groundwork

import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.listDirectoryEntries
import kotlin.io.path.readBytes
import org.groundwork.Fixtures.conversation
import org.groundwork.Fixtures.nowMs
import org.groundwork.Fixtures.openStore
import org.groundwork.Fixtures.test
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.groundwork.ffi.AssessmentFilter
import org.groundwork.ffi.Channel
import org.groundwork.ffi.ContactEdit
import org.groundwork.ffi.Counted
import org.groundwork.ffi.FollowUpEdit
import org.groundwork.ffi.FollowUpStatus
import org.groundwork.ffi.Horizon
import org.groundwork.ffi.PlanEdit
import org.groundwork.ffi.SettingsEdit
import org.groundwork.ffi.TerrainEdit
import org.groundwork.ffi.TreeKind

/** Records through the Kotlin API against the real library: an encrypted store on disk. */
class RecordsTest {
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
    fun openAnEncryptedStoreAndAddAContact() = test {
        val path = dir.resolve("phone").resolve("store.db")
        val phone = openStore(path)
        phone.use { store ->
            val group = store.createGroup("Maple Court Tenants")
            val ana = group.createContact(
                NewContact(
                    name = "Ana Ruiz",
                    phones = listOf(LabelledValue(label = "mobile", value = "0612 345 678")),
                    tags = listOf("floor-2"),
                ),
            )
            assertEquals("Ana Ruiz", ana.name)
            assertEquals("0612 345 678", ana.phones[0].value)
            assertEquals(listOf("floor-2"), ana.tags)
            assertTrue(ana.meta.version.isNotEmpty())
            assertEquals(listOf("Maple Court Tenants"), store.groups().map { it.name })
            assertEquals("Ana Ruiz", store.group(group.id).contact(ana.id).name)
            assertEquals(4, store.fingerprint.split(" ").size)
        }
        // Closed: the file is released (it opens again at once) and it holds no plaintext.
        val files = path.parent.listDirectoryEntries()
        assertTrue(path in files)
        for (f in files) {
            assertFalse(String(f.readBytes(), Charsets.ISO_8859_1).contains("Ana Ruiz"), "$f")
        }
        openStore(path).use { again -> assertEquals(1, again.groups().size) }
    }

    @Test
    fun aClosedStoreRefusesCallsWithInternal() = test {
        val other = openStore(dir.resolve("other.db"))
        val g = other.createGroup("g")
        other.close()
        other.close() // twice is fine
        assertThrows<GroundworkException.Internal> { g.contacts() }
        assertThrows<GroundworkException.Internal> { other.groups() }
    }

    @Test
    fun searchContactsWithQueryOptions() = test {
        for ((name, tag) in listOf("Ana Ruiz" to "floor-2", "Andre Moss" to "floor-3", "Bea Lund" to "floor-2")) {
            group.createContact(NewContact(name = name, tags = listOf(tag)))
        }
        assertEquals(listOf("Ana Ruiz", "Andre Moss"), group.contacts(ContactQuery(namePrefix = "an")).map { it.name })
        assertEquals(listOf("Ana Ruiz", "Bea Lund"), group.contacts(ContactQuery(tag = "floor-2")).map { it.name })
        assertEquals(3L, group.countContacts())
        assertEquals(1, group.contacts(ContactQuery(limit = 1u, offset = 1u)).size)
    }

    @Test
    fun recordAConversationWithTheFiveStepsAndAnAssessment() = test {
        var ana = group.createContact(NewContact(name = "Ana Ruiz"))
        val supporter = group.settings().scale.levels.first { it.label == "supporter" }.value
        val recorded = group.recordConversation(ana.id, conversation(assessment = supporter, nextSteps = "call Thursday"))
        ana = group.contact(ana.id)
        assertEquals(supporter, ana.assessment)
        val c = ana.conversations.single()
        assertEquals(recorded.conversationId, c.id)
        assertTrue(c.steps.story.startsWith("Rent up"))
        assertTrue(c.steps.ask.isNotEmpty() && c.steps.answer.isNotEmpty())
        assertEquals(Channel.Door, c.channel)
        assertEquals(supporter, ana.assessmentHistory[0].value)
        val rows = group.contacts(ContactQuery(assessment = AssessmentFilter.SupporterOrBetter))
        assertEquals(listOf(ana.id), rows.map { it.id })
        assertEquals("supporter", rows[0].assessmentLabel)
        assertEquals(1, group.conversations(ConversationQuery(contact = ana.id)).size)
        // A correction is a new revision.
        assertEquals(2, group.correctConversation(ana.id, c.id, conversation(assessment = 1)))
        assertEquals(1L, group.contact(ana.id).assessment)
    }

    @Test
    fun listFollowUpsDueAndCompleteOne() = test {
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        val yesterday = nowMs() - 24 * 3600 * 1000
        val nextWeek = nowMs() + 7 * 24 * 3600 * 1000
        val recorded = group.recordConversation(
            ana.id,
            conversation(),
            followUp = NewFollowUp(title = "Bring the petition", assignee = "rosa", dueMs = yesterday),
        )
        group.createFollowUp(NewFollowUp(title = "Later", assignee = "rosa", dueMs = nextWeek))
        val due = group.followUps(FollowUpQuery(dueBeforeMs = nowMs()))
        assertEquals(listOf("Bring the petition"), due.map { it.title })
        assertEquals(recorded.followUpId, due[0].id)
        assertEquals(ana.id, due[0].contact)
        assertEquals(recorded.conversationId, group.followUp(due[0].id).conversation)
        assertEquals(2L, group.countFollowUps(FollowUpQuery(assignee = "rosa")))
        val done = group.completeFollowUp(due[0].id).done
        assertEquals(FollowUpStatus.Done, done.status)
        assertEquals(emptyList<FollowUpSummary>(), group.followUps(FollowUpQuery(dueBeforeMs = nowMs())))
        val later = group.followUps().single()
        val snoozed = group.updateFollowUp(later.id, listOf(FollowUpEdit.SetDue(dueMs = yesterday)))
        assertEquals(yesterday, snoozed.dueMs)
    }

    @Test
    fun aStaleScreenAfterALocalEditKeepsBoth() = test {
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        val seen = ana.meta.version
        group.updateContact(ana.id, listOf(ContactEdit.AddTag(tag = "leader")))
        val merged = group.updateContact(ana.id, listOf(ContactEdit.SetName(name = "Ana R.")), base = seen)
        assertEquals("Ana R.", merged.name)
        assertTrue("leader" in merged.tags)
    }

    @Test
    fun plansCreateReadAndEditWithABenchmark() = test {
        var plan = group.createPlan(NewPlan(title = "Repairs campaign", strategy = "Start with floor 2"))
        assertEquals("Repairs campaign", group.plan(plan.id).title)
        plan = group.updatePlan(
            plan.id,
            listOf(
                PlanEdit.AddGoal(horizon = Horizon.Short, text = "Mould fixed by March"),
                PlanEdit.AddTactic(description = "Petition", owner = "rosa", dateMs = null),
                PlanEdit.AddBenchmark(
                    description = "20 one-on-ones",
                    target = 20u,
                    deadlineMs = null,
                    query = RecordQuery(counts = Counted.Conversations),
                ),
            ),
            base = plan.meta.version,
        )
        assertEquals(listOf("Mould fixed by March"), plan.goals.map { it.text })
        assertEquals("Petition", plan.tactics[0].description)
        assertEquals(20uL, plan.benchmarks.single().target)
        assertEquals(listOf("Repairs campaign"), group.plans().map { it.title })
        group.erasePlan(plan.id)
        assertTrue(group.isErased(plan.id))
    }

    @Test
    fun terrainUnitsAndAContactInAUnit() = test {
        var tree = group.createTerrain(NewTerrainTree(name = "Maple Court", kind = TreeKind.Building))
        val floor = newId()
        val apartment = newId()
        tree = group.updateTerrain(
            tree.id,
            listOf(
                TerrainEdit.AddUnit(id = floor, name = "Floor 2", parent = null, level = "floor"),
                TerrainEdit.AddUnit(id = apartment, name = "2B", parent = floor, level = "apartment"),
            ),
            base = tree.meta.version,
        )
        assertEquals(setOf("Floor 2" to null, "2B" to floor), tree.units.map { it.name to it.parent }.toSet())
        assertEquals(TreeKind.Building, group.terrain(tree.id).kind)
        assertEquals(setOf(floor, apartment), group.units().map { it.id }.toSet())
        group.createContact(NewContact(name = "Ana Ruiz", unit = apartment))
        group.createContact(NewContact(name = "Bea Lund"))
        // A unit includes the units below it.
        assertEquals(listOf("Ana Ruiz"), group.contacts(ContactQuery(unit = floor)).map { it.name })
    }

    @Test
    fun aGroupSetsItsOwnAssessmentScale() = test {
        val scale = AssessmentScale(
            levels = (1L..5L).map { ScaleLevel(value = it, label = "$it") },
            supporterOrBetter = listOf(1L, 2L),
        )
        assertEquals(scale, group.updateSettings(listOf(SettingsEdit.SetScale(scale = scale))).scale)
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        group.recordConversation(ana.id, conversation(assessment = 5))
        assertEquals(5L, group.contact(ana.id).assessment)
        assertThrows<GroundworkException.InvalidInput> {
            group.updateSettings(listOf(SettingsEdit.SetScale(scale = AssessmentScale(levels = emptyList(), supporterOrBetter = emptyList()))))
        }
    }

    @Test
    fun eraseAContact() = test {
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        group.recordConversation(ana.id, conversation(), followUp = NewFollowUp(title = "Call", assignee = "rosa"))
        group.eraseContact(ana.id)
        assertTrue(group.isErased(ana.id))
        assertThrows<GroundworkException.NotFound> { group.contact(ana.id) }
        assertEquals(emptyList<FollowUpSummary>(), group.followUps())
        assertEquals(0L, group.countContacts())
    }

    companion object {
        init {
            // Fail early and clearly if the library is not where scripts/test put it.
            check(Files.isDirectory(Path.of(System.getProperty("jna.library.path") ?: "."))) {
                "jna.library.path must name the folder holding libgroundwork_ffi (scripts/test sets it)"
            }
        }
    }
}

/** Asserts that [call] throws a [T] (a suspend-friendly assertThrows). */
internal suspend inline fun <reified T : Throwable> assertThrows(crossinline call: suspend () -> Any?): T {
    try {
        call()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}
