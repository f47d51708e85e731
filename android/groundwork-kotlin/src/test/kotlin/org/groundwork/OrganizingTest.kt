package org.groundwork

import java.nio.file.Path
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.io.path.listDirectoryEntries
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import org.groundwork.Fixtures.KEY_A
import org.groundwork.Fixtures.KEY_B
import org.groundwork.Fixtures.WAIT_MS
import org.groundwork.Fixtures.conversation
import org.groundwork.Fixtures.nowMs
import org.groundwork.Fixtures.openStore
import org.groundwork.Fixtures.test
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.groundwork.ffi.AssessmentAtLeast
import org.groundwork.ffi.CanvassStatus
import org.groundwork.ffi.ExportKind
import org.groundwork.ffi.ImportAction
import org.groundwork.ffi.ContactEdit
import org.groundwork.ffi.Counted
import org.groundwork.ffi.FollowUpStatus
import org.groundwork.ffi.KnockOutcome
import org.groundwork.ffi.PlanEdit
import org.groundwork.ffi.SettingsEdit
import org.groundwork.ffi.TerrainEdit
import org.groundwork.ffi.Threshold
import org.groundwork.ffi.TreeKind

/** The organizing calls through the Kotlin API; mirrors ffi/tests/python/test_organizing.py. */
class OrganizingTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var store: GroundworkStore
    private lateinit var group: Group

    private val day = 24L * 3600 * 1000

    @BeforeEach
    fun open() = test {
        store = openStore(dir.resolve("store.db"))
        group = store.createGroup("Maple Court Tenants")
    }

    @AfterEach
    fun close() = store.close()

    private suspend fun building(): Pair<String, String> {
        val tree = group.createTerrain(NewTerrainTree(name = "Maple Court", kind = TreeKind.Building))
        val (f1, f2) = newId() to newId()
        group.updateTerrain(
            tree.id,
            listOf(
                TerrainEdit.AddUnit(id = f1, name = "Floor 1", parent = null, level = "floor"),
                TerrainEdit.AddUnit(id = f2, name = "Floor 2", parent = null, level = "floor"),
            ),
        )
        return f1 to f2
    }

    @Test
    fun dueWindowsTheReminderCountsSnoozeReassignAndARecurringCheckIn() = test {
        val now = nowMs()
        val at = LocalTime(nowMs = now, utcOffsetMinutes = 0)
        val late = group.createFollowUp(NewFollowUp(title = "Call Ana back", assignee = "rosa", dueMs = now - day))
        group.createFollowUp(NewFollowUp(title = "Petition", assignee = "rosa", dueMs = now + 3 * day))
        assertEquals(DueSummary(dueToday = 0uL, overdue = 1uL), group.dueSummary("rosa", at))
        assertEquals(listOf("Petition"), group.dueFollowUps("rosa", Due.THIS_WEEK, at).map { it.title })
        assertEquals(now + 2 * day, group.snoozeFollowUp(late.id, now + 2 * day).dueMs)
        assertEquals(0uL, group.dueSummary("rosa", at).overdue)
        assertEquals("sam", group.reassignFollowUp(late.id, "sam").assignee)
        val checkIn = group.createFollowUp(
            NewFollowUp(title = "Check in with Ana", assignee = "rosa", dueMs = now, repeatEveryDays = 14u),
        )
        val completion = group.completeFollowUp(checkIn.id, note = "She'll chair the floor meeting")
        assertEquals(FollowUpStatus.Done, completion.done.status)
        assertTrue(completion.next!!.dueMs!! >= now + 13 * day)
        // The default clock is the phone's own.
        group.createFollowUp(NewFollowUp(title = "Call Bea", assignee = "rosa", dueMs = nowMs() - 60_000))
        assertEquals(1uL, group.dueSummary("rosa").overdue)
        assertThrows<GroundworkException.InvalidInput> {
            group.dueSummary("rosa", LocalTime(nowMs = now, utcOffsetMinutes = 100_000))
        }
    }

    @Test
    fun cutATurfWalkItKnockAndReturnIt() = test {
        val (f1, f2) = building()
        for ((name, unit) in listOf("Ana Ruiz" to f1, "Bea Lund" to f1, "Cy Park" to f2)) {
            group.createContact(NewContact(name = name, unit = unit))
        }
        val turf = group.cutTurf(
            NewTurf(
                name = "Floor 1",
                organizer = "rosa",
                devices = listOf(store.deviceId),
                selection = RecordQuery(counts = Counted.Contacts, unit = f1),
            ),
        )
        assertEquals(2uL, turf.size)
        val stops = group.walkList(turf.id)
        assertEquals(listOf("Ana Ruiz", "Bea Lund"), stops.map { it.name })
        assertTrue(stops.all { it.status == CanvassStatus.ToKnock })
        group.recordKnock(stops[0].contact, NewKnock(outcome = KnockOutcome.NotHome, organizer = "rosa", atMs = nowMs()))
        val live = withTimeout(WAIT_MS) { group.watchTurfs().first { it.single().notHome == 1uL } }
        assertEquals(1uL, live.single().toKnock)
        assertEquals(live.single(), group.turfProgress(turf.id))
        assertEquals(listOf(turf.id), group.turfs().map { it.turf.id })
        assertNotNull(group.returnTurf(turf.id).returnedAtMs)
        assertThrows<GroundworkException.NotFound> { group.walkList(newId()) }
    }

    @Test
    fun startANewMemberOnATemplateAndFollowTheirProgress() = test {
        group.updateSettings(
            listOf(SettingsEdit.AddOnboardingTemplate(name = "New member", tasks = listOf("Read the bylaws", "Door-knock with a partner"))),
        )
        val dee = group.createContact(NewContact(name = "Dee Okafor"))
        val tasks = group.startOnboarding(OnboardingStart(contact = dee.id, template = "new member", partner = "rosa"))
        assertEquals(2, tasks.size)
        group.completeFollowUp(tasks[0].id)
        val progress = group.onboardingProgress(dee.id).single()
        assertEquals(1u, progress.done)
        assertEquals("Door-knock with a partner", progress.next?.title)
    }

    @Test
    fun aBenchmarkMovesLiveAsConversationsAreRecorded() = test {
        val plan = group.createPlan(NewPlan(title = "Repairs campaign"))
        group.updatePlan(
            plan.id,
            listOf(PlanEdit.AddBenchmark(description = "Two one-on-ones", target = 2uL, deadlineMs = null, query = RecordQuery(counts = Counted.Conversations))),
        )
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        group.recordConversation(ana.id, conversation())
        group.recordConversation(ana.id, conversation())
        val met = withTimeout(WAIT_MS) { group.watchBenchmarks(plan.id).first { it.single().met } }
        assertEquals(2uL, met.single().count)
        assertEquals(met, group.benchmarkProgress(plan.id))
    }

    @Test
    fun theWallChartAndAStructureTestNameWhoToTalkTo() = test {
        val (f1, f2) = building()
        val supporter = group.settings().scale.levels.first { it.label == "supporter" }.value
        for ((name, unit) in listOf("Ana Ruiz" to f1, "Bea Lund" to f1)) {
            val c = group.createContact(NewContact(name = name, unit = unit))
            group.recordConversation(c.id, conversation(assessment = supporter))
        }
        group.createContact(NewContact(name = "Cy Park", unit = f2))
        val chart = group.wallChart()
        assertEquals(3uL, chart.total.contacts)
        assertEquals(2uL, chart.rows.first { it.name == "Floor 1" }.counts.supporterOrBetter)
        val result = group.structureTest(
            StructureTest(threshold = Threshold.Assessment(atLeast = AssessmentAtLeast.SupporterOrBetter, percent = 51u)),
        )
        assertFalse(result.passed)
        assertEquals(listOf("Cy Park"), result.units.first { it.name == "Floor 2" }.missing.map { it.name })
    }

    @Test
    fun historyShowsEachChangeAndUndoRefusesOverALaterEditUnlessForced() = test {
        val ana = group.createContact(NewContact(name = "Ana Ruiz"))
        group.updateContact(ana.id, listOf(ContactEdit.SetName(name = "Ana R.")))
        group.updateContact(ana.id, listOf(ContactEdit.SetName(name = "Ana Ruiz-Ortiz")))
        val history = group.history(ana.id)
        assertEquals(3uL, history.total)
        val middle = history.entries[1]
        assertEquals(listOf(Triple("name", "Ana Ruiz", "Ana R.")), middle.fields.map { Triple(it.field, it.before, it.after) })
        assertThrows<GroundworkException.Conflict> { group.undoChange(ana.id, middle.change) }
        assertEquals(listOf("name"), group.undoChange(ana.id, middle.change, force = true).overridden)
    }

    @Test
    fun coreLogsReachTheSinkAtItsLevel() = test {
        val lines = LinkedBlockingQueue<Triple<LogLevel, String, String>>()
        CoreLogs.forward(LogLevel.DEBUG) { level, target, message -> lines.put(Triple(level, target, message)) }
        try {
            val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
            node.shutdown()
            val line = lines.poll(WAIT_MS, TimeUnit.MILLISECONDS)
            assertNotNull(line, "no log line from the core")
            val (_, target, message) = line!!
            assertTrue(target.isNotEmpty() && message.isNotEmpty())
        } finally {
            CoreLogs.stop()
        }
    }

    @Test
    fun aNewKeyOpensTheStoreAndTheOldOneNoLongerDoes() = test {
        val path = dir.resolve("rekeyed.db")
        val id = openStore(path, KEY_A).use { s ->
            val g = s.createGroup("Maple Court Tenants")
            g.createContact(NewContact(name = "Ana Ruiz"))
            s.changeKey(KEY_B)
            g.id
        }
        assertThrows<GroundworkException.Storage> { openStore(path, KEY_A) }
        openStore(path, KEY_B).use { s -> assertEquals(1L, s.group(id).countContacts()) }
    }

    @Test
    fun wipingTheStoreRemovesItsFilesAndFreesThePath() = test {
        val wipeDir = dir.resolve("wiped")
        val path = wipeDir.resolve("store.db")
        val s = openStore(path)
        s.createGroup("Maple Court Tenants").createContact(NewContact(name = "Ana Ruiz"))
        val device = s.deviceId
        s.wipe()
        assertEquals(emptyList<Path>(), wipeDir.listDirectoryEntries())
        assertEquals(emptyList<GroupSummary>(), s.groups())
        s.close()
        openStore(path).use { fresh ->
            assertEquals(emptyList<GroupSummary>(), fresh.groups())
            assertNotEquals(device, fresh.deviceId)
        }
    }

    @Test
    fun aCsvFromActionNetworkIsPlannedThenAppliedAndThePortableExportMovesTheGroup() = test {
        val csv = (
            "first_name,last_name,email,zip_code,can2_phone,can2_user_tags\n" +
                "Ana,Ruiz,ana@example.org,11211,555-0100,floor-2\n" +
                "Bea,Lund,bea@example.org,11211,555-0101,\n" +
                "Ana,R.,ANA@example.org,11211,,committee\n"
            ).toByteArray()
        val plan = group.planImport(csv, ImportFormat.CSV)
        val preview = plan.preview()
        assertEquals(Triple(3uL, 2uL, 1uL), Triple(preview.records, preview.creates, preview.merges))
        assertEquals("Action Network", preview.tool)
        assertEquals(ImportAction.MergeIntoRow(intoLine = 2uL), plan.rows(offset = 2, limit = 1).single().action)
        assertEquals(0L, group.countContacts())
        val progress = mutableListOf<Pair<Long, Long>>()
        val result = group.applyImport(plan) { written, total -> progress.add(written to total) }
        assertEquals(2, result.created.size)
        assertEquals(2L to 2L, progress.last())
        assertThrows<GroundworkException.Internal> { group.applyImport(plan) }
        assertThrows<GroundworkException.InvalidInput> { group.planImport(byteArrayOf(-1, -2, 0), ImportFormat.CSV) }

        val portable = group.export(ExportKind.Portable)
        assertEquals("group.jsonl", portable.suggestedName)
        val moved = store.createGroup("Maple Court Tenants (moved)")
        assertEquals(portable.records.toLong(), moved.importPortable(portable.bytes))
        assertEquals(listOf("Ana Ruiz", "Bea Lund"), moved.contacts().map { it.name })
        val vcard = group.export(ExportKind.VCard)
        assertTrue(String(vcard.bytes).contains("BEGIN:VCARD"))
    }

    @Test
    fun aPausedNodeIsOffTheNetworkUntilResumed() = test {
        val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
        try {
            assertTrue(node.addresses().isNotEmpty())
            node.pause()
            assertEquals(emptyList<String>(), node.addresses())
            assertThrows<GroundworkException.Network> { node.createInvite(group) }
            node.resume()
            assertTrue(node.addresses().isNotEmpty())
            node.createInvite(group).close()
        } finally {
            node.shutdown()
        }
    }

    @Test
    fun meetingModeRunsWhileCollectedAndRefusesBadInput() = test {
        val node = store.startNode(NodeOptions(bind = "127.0.0.1:0"))
        try {
            // Nobody else is on the network: no event within a second, and no error either.
            assertEquals(null, withTimeoutOrNull(1_000) { node.meeting(listOf(group), minutes = 1).first() })
            assertThrows<GroundworkException.InvalidInput> { node.meeting(listOf(group), minutes = 0).first() }
            assertThrows<GroundworkException.InvalidInput> { node.meeting(emptyList(), minutes = 5).first() }
        } finally {
            node.shutdown()
        }
    }

    @Test
    fun aBackupRestoresTheSameDevice() = test {
        group.createContact(NewContact(name = "Ana Ruiz"))
        val backup = dir.resolve("phone.gwbackup").toString()
        val made = store.createBackup(backup)
        assertEquals(store.deviceId, made.deviceId)
        val restoredPath = dir.resolve("restored").resolve("store.db").toString()
        GroundworkStore.restoreBackup(backup, restoredPath, KEY_A)
        GroundworkStore.open(restoredPath, KEY_A).use { restored ->
            assertEquals(store.deviceId, restored.deviceId)
            assertEquals(1L, restored.group(group.id).countContacts())
        }
        assertThrows<GroundworkException.InvalidInput> { GroundworkStore.restoreBackup(backup, restoredPath, KEY_A) }
    }
}
