package org.groundwork

import kotlinx.coroutines.flow.Flow
import org.groundwork.ffi.BenchmarkListener
import org.groundwork.ffi.ContactListListener
import org.groundwork.ffi.FollowUpListListener
import org.groundwork.ffi.RecordListener
import org.groundwork.ffi.TurfListener
import org.groundwork.ffi.Group as FfiGroup

/**
 * One group on this device: its contacts, one-on-one conversations, follow-ups, plans, terrain,
 * settings, conflicts, erasure and members. Get it from [GroundworkStore.group] or
 * [GroundworkStore.createGroup]; it is cheap, and closed with its store.
 *
 * Every write is one durable transaction: when a call returns, the write is on disk (and the
 * group's flows see it); when it throws, nothing was written. Edits take the `meta.version` the
 * screen showed as `base`, so a change that arrived meanwhile (by sync or on another screen) is
 * merged, not overwritten.
 */
public class Group internal constructor(
    internal val ffi: FfiGroup,
    private val store: GroundworkStore,
) : AutoCloseable {
    /** The group's id (32 hex characters). */
    public val id: String = guard { ffi.id() }

    // --- settings ---------------------------------------------------------------------------

    /** The group's name, assessment scale and onboarding templates. */
    public suspend fun settings(): GroupSettings = store.blocking { ffi.settings() }

    /** Changes the settings (an admin's act); returns them as merged. */
    public suspend fun updateSettings(edits: List<SettingsEdit>, base: String? = null): GroupSettings =
        store.blocking { ffi.updateSettings(edits, base) }

    // --- contacts ---------------------------------------------------------------------------

    public suspend fun createContact(contact: NewContact): Contact =
        store.blocking { ffi.createContact(contact) }

    /** A contact with its conversation log, assessment history and any conflicts. */
    public suspend fun contact(id: String): Contact = store.blocking { ffi.contact(id) }

    /** Contacts matching [query], by name (from the index: fast with thousands). */
    public suspend fun contacts(query: ContactQuery = ContactQuery()): List<ContactSummary> =
        store.blocking { ffi.contacts(query) }

    /** How many contacts match [query] (its limit and offset are ignored). */
    public suspend fun countContacts(query: ContactQuery = ContactQuery()): Long =
        store.blocking { ffi.countContacts(query).toLong() }

    /** Per-field edits; [base] is the `meta.version` the screen showed (an unknown one is
     *  [GroundworkException.Conflict]). */
    public suspend fun updateContact(id: String, edits: List<ContactEdit>, base: String? = null): Contact =
        store.blocking { ffi.updateContact(id, edits, base) }

    // --- conversations ----------------------------------------------------------------------

    /**
     * Records a one-on-one: the five steps, the assessment (a value on the group's scale) and
     * next steps, and the follow-up they call for, all in one write.
     */
    public suspend fun recordConversation(
        contactId: String,
        conversation: NewConversation,
        followUp: NewFollowUp? = null,
    ): RecordedConversation = store.blocking { ffi.recordConversation(contactId, conversation, followUp) }

    /** A correction, as a new revision (the earlier words stay in the log); its revision number. */
    public suspend fun correctConversation(
        contactId: String,
        conversationId: String,
        conversation: NewConversation,
    ): Int = store.blocking { ffi.correctConversation(contactId, conversationId, conversation).toInt() }

    /** Conversations matching [query], newest first. */
    public suspend fun conversations(query: ConversationQuery = ConversationQuery()): List<ConversationSummary> =
        store.blocking { ffi.conversations(query) }

    // --- follow-ups -------------------------------------------------------------------------

    public suspend fun createFollowUp(followUp: NewFollowUp): FollowUp =
        store.blocking { ffi.createFollowUp(followUp) }

    public suspend fun followUp(id: String): FollowUp = store.blocking { ffi.followUp(id) }

    /** Follow-ups matching [query], soonest due first; "due now" is `dueBeforeMs = now`. */
    public suspend fun followUps(query: FollowUpQuery = FollowUpQuery()): List<FollowUpSummary> =
        store.blocking { ffi.followUps(query) }

    /** How many follow-ups match (for a reminder that shows a count, never a name). */
    public suspend fun countFollowUps(query: FollowUpQuery = FollowUpQuery()): Long =
        store.blocking { ffi.countFollowUps(query).toLong() }

    public suspend fun updateFollowUp(id: String, edits: List<FollowUpEdit>, base: String? = null): FollowUp =
        store.blocking { ffi.updateFollowUp(id, edits, base) }

    /** Marks a follow-up done with a note; a recurring check-in comes back as `next`. */
    public suspend fun completeFollowUp(id: String, note: String = ""): Completion =
        store.blocking { ffi.completeFollowUp(id, note) }

    /** Moves an open follow-up's due date ("not this week: next Tuesday"). */
    public suspend fun snoozeFollowUp(id: String, untilMs: Long): FollowUp =
        store.blocking { ffi.snoozeFollowUp(id, untilMs) }

    /** Hands an open follow-up to another organizer. */
    public suspend fun reassignFollowUp(id: String, to: String): FollowUp =
        store.blocking { ffi.reassignFollowUp(id, to) }

    /** What the phone's reminder shows for [organizer]: counts only, never a name. */
    public suspend fun dueSummary(organizer: String, at: LocalTime = localTimeNow()): DueSummary =
        store.blocking { ffi.dueSummary(organizer, at) }

    /** [organizer]'s open follow-ups in a due window (everyone's with null), soonest first. */
    public suspend fun dueFollowUps(
        organizer: String?,
        due: Due,
        at: LocalTime = localTimeNow(),
        limit: Int? = null,
    ): List<FollowUpSummary> = store.blocking { ffi.dueFollowUps(organizer, due, at, limit?.toUInt()) }

    // --- plans ------------------------------------------------------------------------------

    public suspend fun createPlan(plan: NewPlan): Plan = store.blocking { ffi.createPlan(plan) }

    public suspend fun plan(id: String): Plan = store.blocking { ffi.plan(id) }

    /** The plans, by title. */
    public suspend fun plans(): List<PlanSummary> = store.blocking { ffi.plans() }

    public suspend fun updatePlan(id: String, edits: List<PlanEdit>, base: String? = null): Plan =
        store.blocking { ffi.updatePlan(id, edits, base) }

    // --- terrain ----------------------------------------------------------------------------

    /** A workplace or building; add its units with [updateTerrain] (ids from [newId]). */
    public suspend fun createTerrain(tree: NewTerrainTree): TerrainTree = store.blocking { ffi.createTerrain(tree) }

    public suspend fun terrain(id: String): TerrainTree = store.blocking { ffi.terrain(id) }

    public suspend fun updateTerrain(id: String, edits: List<TerrainEdit>, base: String? = null): TerrainTree =
        store.blocking { ffi.updateTerrain(id, edits, base) }

    /** Every unit of every tree, by name. */
    public suspend fun units(): List<UnitSummary> = store.blocking { ffi.units() }

    // --- turf -------------------------------------------------------------------------------

    /** Cuts a turf from a contact query and hands it to an organizer's devices (an admin's act). */
    public suspend fun cutTurf(turf: NewTurf): Turf = store.blocking { ffi.cutTurf(turf) }

    /** Takes a turf back: its contacts leave the organizer's phone at its next sync. */
    public suspend fun returnTurf(id: String): Turf = store.blocking { ffi.returnTurf(id) }

    /** Every turf with its progress, in the order they were cut. */
    public suspend fun turfs(): List<TurfProgress> = store.blocking { ffi.turfs() }

    public suspend fun turfProgress(id: String): TurfProgress = store.blocking { ffi.turfProgress(id) }

    /** A turf's doors in walking order, each with where the canvass stands. */
    public suspend fun walkList(id: String): List<WalkStop> = store.blocking { ffi.walkList(id) }

    /** Records a knock at a contact's door; returns the knock's id. */
    public suspend fun recordKnock(contactId: String, knock: NewKnock): String =
        store.blocking { ffi.recordKnock(contactId, knock) }

    // --- onboarding -------------------------------------------------------------------------

    /** Starts a new member on a template's tasks, with a partner; the follow-ups it wrote. */
    public suspend fun startOnboarding(start: OnboardingStart): List<FollowUp> =
        store.blocking { ffi.startOnboarding(start) }

    /** How each new member is getting on (one member's with [contactId]). */
    public suspend fun onboardingProgress(contactId: String? = null): List<OnboardingProgress> =
        store.blocking { ffi.onboardingProgress(contactId) }

    // --- benchmarks, wall chart, structure tests ---------------------------------------------

    /** A plan's benchmarks (every plan's with null) counted against the data now. */
    public suspend fun benchmarkProgress(planId: String? = null): List<BenchmarkProgress> =
        store.blocking { ffi.benchmarkProgress(planId, null) }

    /** The wall chart of the whole terrain (or of [rootUnit] and the units below it). */
    public suspend fun wallChart(rootUnit: String? = null, committeeTag: String = "committee"): WallChart =
        store.blocking { ffi.wallChart(rootUnit, committeeTag) }

    /** Tests the structure unit by unit before escalating: who is missing where. */
    public suspend fun structureTest(test: StructureTest): StructureResult =
        store.blocking { ffi.structureTest(test) }

    // --- history and undo -------------------------------------------------------------------

    /** A record's changes, newest first: when, which device, each field before and after. */
    public suspend fun history(recordId: String, limit: Int = 20, offset: Int = 0): History =
        store.blocking { ffi.history(recordId, limit.toUInt(), offset.toUInt()) }

    /** Undoes one change by a new change. A later edit of the same field throws
     *  [GroundworkException.Conflict] unless [force] (then both values stay as a conflict). */
    public suspend fun undoChange(recordId: String, change: String, force: Boolean = false): Undone =
        store.blocking { ffi.undoChange(recordId, change, force) }

    // --- import and export ------------------------------------------------------------------

    /** Reads another tool's file (CSV or vCard) and plans its import: nothing is written until
     *  [applyImport]. A file that cannot be read throws [GroundworkException.InvalidInput]. */
    public suspend fun planImport(
        file: ByteArray,
        format: ImportFormat,
        overrides: List<ColumnOverride> = emptyList(),
    ): ImportPlan = ImportPlan(guard { ffi.planImport(file, format, overrides) })

    /** Writes a planned import (250 contacts per transaction); [onProgress] hears each batch
     *  (written, total) on a Rust thread. A plan is applied once. */
    public suspend fun applyImport(
        plan: ImportPlan,
        onProgress: ((written: Long, total: Long) -> kotlin.Unit)? = null,
    ): ImportResult = guard {
        ffi.applyImport(
            plan.ffi,
            onProgress?.let { tell ->
                object : org.groundwork.ffi.ImportProgress {
                    override fun onProgress(written: ULong, total: ULong) = tell(written.toLong(), total.toLong())
                }
            },
        )
    }

    /** The group's data as a file to save or share. [ExportKind.Portable] holds everything, in
     *  plain text: say so before writing it anywhere. */
    public suspend fun export(kind: ExportKind): ExportedFile = guard { ffi.export(kind) }

    /** Imports a portable export into this group, which must hold no records yet; how many
     *  records it stored. */
    public suspend fun importPortable(file: ByteArray): Long = guard { ffi.importPortable(file).toLong() }

    // --- conflicts and erasure --------------------------------------------------------------

    /** Settles a conflict listed in a record's `meta.conflicts` by choosing one of its values. */
    public suspend fun resolveConflict(recordId: String, field: String, chosen: String): kotlin.Unit =
        store.blocking { ffi.resolveConflict(recordId, field, chosen) }

    /** Erases a contact for good, on every device (an admin's act). */
    public suspend fun eraseContact(id: String): kotlin.Unit = store.blocking { ffi.eraseContact(id) }

    public suspend fun eraseFollowUp(id: String): kotlin.Unit = store.blocking { ffi.eraseFollowUp(id) }

    public suspend fun erasePlan(id: String): kotlin.Unit = store.blocking { ffi.erasePlan(id) }

    public suspend fun isErased(recordId: String): Boolean = store.blocking { ffi.isErased(recordId) }

    // --- membership -------------------------------------------------------------------------

    /** The member devices, with roles and grants. */
    public suspend fun members(): List<Member> = store.blocking { ffi.members() }

    /** This device's role, or null once it is no longer a member. */
    public suspend fun myRole(): Role? = store.blocking { ffi.myRole() }

    /** Removes a device from the group (an admin's act). */
    public suspend fun removeDevice(deviceId: String): kotlin.Unit = store.blocking { ffi.removeDevice(deviceId) }

    // --- flows ------------------------------------------------------------------------------

    /**
     * The group's record events matching [filter] (edits here and changes arriving by sync),
     * from the moment of collection, in order. Cancelling the collection cancels the Rust
     * subscription. [Notification.Missed] means events were dropped: re-read the screen.
     */
    public fun changes(filter: RecordFilter = org.groundwork.ffi.RecordFilter.Group): Flow<Notification> =
        rustFlow(conflate = false) { deliver ->
            ffi.subscribe(
                filter,
                object : RecordListener {
                    override fun onNotification(notification: Notification) = deliver(notification)
                },
            )
        }

    /** A contact list screen's rows: the current rows at once, then the new rows whenever a
     *  change (here or by sync) alters them. Only the newest rows are kept for a slow screen. */
    public fun watchContacts(query: ContactQuery = ContactQuery()): Flow<List<ContactSummary>> =
        rustFlow(conflate = true) { deliver ->
            ffi.watchContacts(
                query,
                object : ContactListListener {
                    override fun onContacts(contacts: List<ContactSummary>) = deliver(contacts)
                },
            )
        }

    /** A follow-up list's rows, like [watchContacts]. "Due" is judged against
     *  `dueBeforeMs` as given: a "due now" screen collects again as the clock moves. */
    public fun watchFollowUps(query: FollowUpQuery = FollowUpQuery()): Flow<List<FollowUpSummary>> =
        rustFlow(conflate = true) { deliver ->
            ffi.watchFollowUps(
                query,
                object : FollowUpListListener {
                    override fun onFollowUps(followUps: List<FollowUpSummary>) = deliver(followUps)
                },
            )
        }

    /** A plan's benchmarks (every plan's with null), live: the counts now, then again after
     *  every write that could move them. */
    public fun watchBenchmarks(planId: String? = null): Flow<List<BenchmarkProgress>> =
        rustFlow(conflate = true) { deliver ->
            ffi.watchBenchmarks(
                object : BenchmarkListener {
                    override fun onBenchmarks(benchmarks: List<BenchmarkProgress>) = deliver(benchmarks)
                },
                planId,
            )
        }

    /** Every turf's progress, live, like [watchBenchmarks]. */
    public fun watchTurfs(): Flow<List<TurfProgress>> =
        rustFlow(conflate = true) { deliver ->
            ffi.watchTurfs(
                object : TurfListener {
                    override fun onTurfs(turfs: List<TurfProgress>) = deliver(turfs)
                },
            )
        }

    /** Frees the Rust handle (the store does this for you when it closes). */
    override fun close(): kotlin.Unit = ffi.close()
}
