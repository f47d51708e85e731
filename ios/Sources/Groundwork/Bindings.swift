// The generated types this package uses, under names that say they are the FFI's. Everything
// generated is reached through these aliases or as `GroundworkUniffi.X`: the public API never
// shows a generated type, and ios/scripts/check finds every use and checks it against the
// generated file (CI has no Swift compiler).
import GroundworkUniffi

typealias FfiStore = GroundworkUniffi.GroundworkStore
typealias FfiGroup = GroundworkUniffi.Group
typealias FfiNode = GroundworkUniffi.Node
typealias FfiInvite = GroundworkUniffi.Invite
typealias FfiSubscriptionHandle = GroundworkUniffi.SubscriptionHandle
typealias FfiError = GroundworkUniffi.GroundworkError

typealias FfiContact = GroundworkUniffi.Contact
typealias FfiNewContact = GroundworkUniffi.NewContact
typealias FfiLabelledValue = GroundworkUniffi.LabelledValue
typealias FfiContactEdit = GroundworkUniffi.ContactEdit
typealias FfiContactList = GroundworkUniffi.ContactList
typealias FfiContactQuery = GroundworkUniffi.ContactQuery
typealias FfiContactSummary = GroundworkUniffi.ContactSummary
typealias FfiAssessmentFilter = GroundworkUniffi.AssessmentFilter
typealias FfiTextEdit = GroundworkUniffi.TextEdit
typealias FfiRecordMeta = GroundworkUniffi.RecordMeta

typealias FfiConversation = GroundworkUniffi.Conversation
typealias FfiNewConversation = GroundworkUniffi.NewConversation
typealias FfiConversationSteps = GroundworkUniffi.ConversationSteps
typealias FfiChannel = GroundworkUniffi.Channel

typealias FfiFollowUp = GroundworkUniffi.FollowUp
typealias FfiNewFollowUp = GroundworkUniffi.NewFollowUp
typealias FfiFollowUpEdit = GroundworkUniffi.FollowUpEdit
typealias FfiFollowUpQuery = GroundworkUniffi.FollowUpQuery
typealias FfiFollowUpSummary = GroundworkUniffi.FollowUpSummary
typealias FfiFollowUpStatus = GroundworkUniffi.FollowUpStatus
typealias FfiFollowUpKind = GroundworkUniffi.FollowUpKind

typealias FfiPlan = GroundworkUniffi.Plan
typealias FfiNewPlan = GroundworkUniffi.NewPlan
typealias FfiPlanEdit = GroundworkUniffi.PlanEdit
typealias FfiBenchmark = GroundworkUniffi.Benchmark
typealias FfiRecordQuery = GroundworkUniffi.RecordQuery
typealias FfiCounted = GroundworkUniffi.Counted
typealias FfiAssessmentAtLeast = GroundworkUniffi.AssessmentAtLeast
typealias FfiTactic = GroundworkUniffi.Tactic
typealias FfiGoal = GroundworkUniffi.Goal
typealias FfiHorizon = GroundworkUniffi.Horizon

typealias FfiGroupSettings = GroundworkUniffi.GroupSettings
typealias FfiMember = GroundworkUniffi.Member
typealias FfiRole = GroundworkUniffi.Role

typealias FfiRecordFilter = GroundworkUniffi.RecordFilter
typealias FfiRecordKind = GroundworkUniffi.RecordKind
typealias FfiNotification = GroundworkUniffi.Notification
typealias FfiOrigin = GroundworkUniffi.Origin
typealias FfiRecordListener = GroundworkUniffi.RecordListener
typealias FfiContactListListener = GroundworkUniffi.ContactListListener
typealias FfiFollowUpListListener = GroundworkUniffi.FollowUpListListener
typealias FfiSyncListener = GroundworkUniffi.SyncListener

typealias FfiNodeOptions = GroundworkUniffi.NodeOptions
typealias FfiInviteOptions = GroundworkUniffi.InviteOptions
typealias FfiSyncReport = GroundworkUniffi.SyncReport
typealias FfiSyncStats = GroundworkUniffi.SyncStats
typealias FfiSyncStatus = GroundworkUniffi.SyncStatus
typealias FfiPeerSyncOutcome = GroundworkUniffi.PeerSyncOutcome

typealias FfiBenchmarkProgress = GroundworkUniffi.BenchmarkProgress
typealias FfiBenchmarkListener = GroundworkUniffi.BenchmarkListener
typealias FfiMeetingListener = GroundworkUniffi.MeetingListener
