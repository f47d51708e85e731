// The records and enums the API passes in and out: plain values (Kotlin data classes, enums and
// sealed classes) generated from ffi/src/model, query.rs, events.rs, group.rs and node.rs.
//
// They are re-exported here by name so the app imports only `org.groundwork.*`: objects with a
// Rust handle, listeners and exceptions stay behind the wrappers in this package, and
// ApiSurfaceTest checks that no public signature here exposes one. A value type hides nothing a
// wrapper could add; mirroring each by hand would only double the code to keep in step with Rust.
@file:Suppress("unused")

package org.groundwork

public typealias Labelled = org.groundwork.ffi.Labelled
public typealias Conflict = org.groundwork.ffi.Conflict
public typealias ConflictValue = org.groundwork.ffi.ConflictValue
public typealias RecordMeta = org.groundwork.ffi.RecordMeta
public typealias TextEdit = org.groundwork.ffi.TextEdit
public typealias Contact = org.groundwork.ffi.Contact
public typealias ContactEdit = org.groundwork.ffi.ContactEdit
public typealias ContactList = org.groundwork.ffi.ContactList
public typealias LabelledValue = org.groundwork.ffi.LabelledValue
public typealias NewContact = org.groundwork.ffi.NewContact
public typealias Relationship = org.groundwork.ffi.Relationship
public typealias RelationshipKind = org.groundwork.ffi.RelationshipKind
public typealias AssessmentPoint = org.groundwork.ffi.AssessmentPoint
public typealias Channel = org.groundwork.ffi.Channel
public typealias Conversation = org.groundwork.ffi.Conversation
public typealias ConversationSteps = org.groundwork.ffi.ConversationSteps
public typealias NewConversation = org.groundwork.ffi.NewConversation
public typealias FollowUp = org.groundwork.ffi.FollowUp
public typealias FollowUpEdit = org.groundwork.ffi.FollowUpEdit
public typealias FollowUpKind = org.groundwork.ffi.FollowUpKind
public typealias FollowUpStatus = org.groundwork.ffi.FollowUpStatus
public typealias NewFollowUp = org.groundwork.ffi.NewFollowUp
public typealias AssessmentAtLeast = org.groundwork.ffi.AssessmentAtLeast
public typealias Benchmark = org.groundwork.ffi.Benchmark
public typealias Counted = org.groundwork.ffi.Counted
public typealias Goal = org.groundwork.ffi.Goal
public typealias Horizon = org.groundwork.ffi.Horizon
public typealias NewPlan = org.groundwork.ffi.NewPlan
public typealias Plan = org.groundwork.ffi.Plan
public typealias PlanEdit = org.groundwork.ffi.PlanEdit
public typealias RecordQuery = org.groundwork.ffi.RecordQuery
public typealias Reflection = org.groundwork.ffi.Reflection
public typealias Tactic = org.groundwork.ffi.Tactic
public typealias TerrainQuestion = org.groundwork.ffi.TerrainQuestion
public typealias AssessmentScale = org.groundwork.ffi.AssessmentScale
public typealias GroupSettings = org.groundwork.ffi.GroupSettings
public typealias OnboardingTemplate = org.groundwork.ffi.OnboardingTemplate
public typealias ScaleLevel = org.groundwork.ffi.ScaleLevel
public typealias SettingsEdit = org.groundwork.ffi.SettingsEdit
public typealias NewTerrainTree = org.groundwork.ffi.NewTerrainTree
public typealias TerrainEdit = org.groundwork.ffi.TerrainEdit
public typealias TerrainTree = org.groundwork.ffi.TerrainTree
public typealias TreeKind = org.groundwork.ffi.TreeKind
public typealias AssessmentFilter = org.groundwork.ffi.AssessmentFilter
public typealias ContactQuery = org.groundwork.ffi.ContactQuery
public typealias ContactSummary = org.groundwork.ffi.ContactSummary
public typealias FollowUpQuery = org.groundwork.ffi.FollowUpQuery
public typealias FollowUpSummary = org.groundwork.ffi.FollowUpSummary
public typealias ConversationQuery = org.groundwork.ffi.ConversationQuery
public typealias ConversationSummary = org.groundwork.ffi.ConversationSummary
public typealias PlanSummary = org.groundwork.ffi.PlanSummary
public typealias UnitSummary = org.groundwork.ffi.UnitSummary
public typealias Notification = org.groundwork.ffi.Notification
public typealias Origin = org.groundwork.ffi.Origin
public typealias RecordEvent = org.groundwork.ffi.RecordEvent
public typealias RecordFilter = org.groundwork.ffi.RecordFilter
public typealias RecordKind = org.groundwork.ffi.RecordKind
public typealias GroupSummary = org.groundwork.ffi.GroupSummary
public typealias Member = org.groundwork.ffi.Member
public typealias RecordedConversation = org.groundwork.ffi.RecordedConversation
public typealias Role = org.groundwork.ffi.Role
public typealias Grant = org.groundwork.ffi.Grant
public typealias InviteOptions = org.groundwork.ffi.InviteOptions
public typealias JoinedDevice = org.groundwork.ffi.JoinedDevice
public typealias JoinedGroup = org.groundwork.ffi.JoinedGroup
public typealias NodeOptions = org.groundwork.ffi.NodeOptions
public typealias PeerStatus = org.groundwork.ffi.PeerStatus
public typealias PeerSyncOutcome = org.groundwork.ffi.PeerSyncOutcome
public typealias SyncReport = org.groundwork.ffi.SyncReport
public typealias SyncStats = org.groundwork.ffi.SyncStats
public typealias SyncStatus = org.groundwork.ffi.SyncStatus

// The organizing workflows (ffi/src/organizing.rs) and the platform calls (platform.rs).
public typealias Due = org.groundwork.ffi.Due
public typealias LocalTime = org.groundwork.ffi.LocalTime
public typealias DueSummary = org.groundwork.ffi.DueSummary
public typealias Completion = org.groundwork.ffi.Completion
public typealias NewTurf = org.groundwork.ffi.NewTurf
public typealias Turf = org.groundwork.ffi.Turf
public typealias TurfProgress = org.groundwork.ffi.TurfProgress
public typealias KnockOutcome = org.groundwork.ffi.KnockOutcome
public typealias NewKnock = org.groundwork.ffi.NewKnock
public typealias CanvassStatus = org.groundwork.ffi.CanvassStatus
public typealias WalkStop = org.groundwork.ffi.WalkStop
public typealias TaskHolder = org.groundwork.ffi.TaskHolder
public typealias OnboardingStart = org.groundwork.ffi.OnboardingStart
public typealias OnboardingTask = org.groundwork.ffi.OnboardingTask
public typealias OnboardingProgress = org.groundwork.ffi.OnboardingProgress
public typealias BenchmarkProgress = org.groundwork.ffi.BenchmarkProgress
public typealias ChartCounts = org.groundwork.ffi.ChartCounts
public typealias ChartColumn = org.groundwork.ffi.ChartColumn
public typealias ChartRow = org.groundwork.ffi.ChartRow
public typealias WallChart = org.groundwork.ffi.WallChart
public typealias Threshold = org.groundwork.ffi.Threshold
public typealias StructureTest = org.groundwork.ffi.StructureTest
public typealias MissingPerson = org.groundwork.ffi.MissingPerson
public typealias UnitResult = org.groundwork.ffi.UnitResult
public typealias StructureResult = org.groundwork.ffi.StructureResult
public typealias FieldChange = org.groundwork.ffi.FieldChange
public typealias HistoryEntry = org.groundwork.ffi.HistoryEntry
public typealias History = org.groundwork.ffi.History
public typealias Undone = org.groundwork.ffi.Undone
public typealias LogLevel = org.groundwork.ffi.LogLevel
public typealias BackupSummary = org.groundwork.ffi.BackupSummary
public typealias ImportFormat = org.groundwork.ffi.ImportFormat
public typealias ColumnOverride = org.groundwork.ffi.ColumnOverride
public typealias ColumnRead = org.groundwork.ffi.ColumnRead
public typealias ImportAction = org.groundwork.ffi.ImportAction
public typealias ImportRow = org.groundwork.ffi.ImportRow
public typealias ImportPreview = org.groundwork.ffi.ImportPreview
public typealias ImportResult = org.groundwork.ffi.ImportResult
public typealias ExportKind = org.groundwork.ffi.ExportKind
public typealias ExportedFile = org.groundwork.ffi.ExportedFile

/** A unit of a terrain tree (Rust `Unit`, renamed here: `Unit` is Kotlin's own type). */
public typealias TerrainUnit = org.groundwork.ffi.TerrainUnit

/** A fresh random id (32 hex characters), for a terrain unit added with its children. */
public fun newId(): String = guard { org.groundwork.ffi.newId() }

/** This phone's clock and time zone now, for the due windows ("today" is the phone's day). */
public fun localTimeNow(): LocalTime {
    val now = System.currentTimeMillis()
    val offsetMinutes = java.util.TimeZone.getDefault().getOffset(now) / 60_000
    return LocalTime(nowMs = now, utcOffsetMinutes = offsetMinutes)
}
