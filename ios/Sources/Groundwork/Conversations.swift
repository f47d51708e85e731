import Foundation
import GroundworkUniffi

/// The five steps of a one-on-one, as the organizer wrote them down.
public struct ConversationSteps: Hashable, Sendable {
    /// 1. Get in the door: how the conversation opened.
    public var door: String
    /// 2. Get their story: what they are angry about, what they care about.
    public var story: String
    /// 3. Propose a vision: their story in a larger frame, what we could do together.
    public var vision: String
    /// 4. Address obstacles: the fears and roadblocks raised, and how they were met.
    public var obstacles: String
    /// 5. Advocate: the ask for a commitment to act …
    public var ask: String
    /// … and their answer. (The assessment is the conversation's `assessment`.)
    public var answer: String

    public init(door: String = "", story: String = "", vision: String = "", obstacles: String = "",
                ask: String = "", answer: String = "") {
        self.door = door
        self.story = story
        self.vision = vision
        self.obstacles = obstacles
        self.ask = ask
        self.answer = answer
    }

    init(_ s: FfiConversationSteps) {
        self.init(door: s.door, story: s.story, vision: s.vision, obstacles: s.obstacles,
                  ask: s.ask, answer: s.answer)
    }

    var ffi: FfiConversationSteps {
        FfiConversationSteps(door: door, story: story, vision: vision, obstacles: obstacles,
                             ask: ask, answer: answer)
    }
}

/// Where a conversation happened.
public enum Channel: Hashable, Sendable {
    case door, phone, workplace, event
    case other(String)

    init(_ c: FfiChannel) {
        switch c {
        case .door: self = .door
        case .phone: self = .phone
        case .workplace: self = .workplace
        case .event: self = .event
        case let .other(value): self = .other(value)
        }
    }

    var ffi: FfiChannel {
        switch self {
        case .door: return FfiChannel.door
        case .phone: return FfiChannel.phone
        case .workplace: return FfiChannel.workplace
        case .event: return FfiChannel.event
        case let .other(value): return FfiChannel.other(value: value)
        }
    }
}

/// One conversation at its latest revision (a correction is a new revision; the earlier words stay).
public struct Conversation: Identifiable, Equatable, Sendable {
    public var id: String
    public var revision: UInt32
    public var organizer: String
    public var at: Date
    public var place: String
    public var channel: Channel
    public var steps: ConversationSteps
    /// A value on the group's assessment scale.
    public var assessment: Int64?
    public var nextSteps: String

    init(_ c: FfiConversation) {
        id = c.id
        revision = c.revision
        organizer = c.organizer
        at = Date(ms: c.atMs)
        place = c.place
        channel = Channel(c.channel)
        steps = ConversationSteps(c.steps)
        assessment = c.assessment
        nextSteps = c.nextSteps
    }
}

/// A one-on-one to record.
public struct NewConversation: Sendable {
    public var organizer: String
    public var at: Date
    public var channel: Channel
    public var place: String
    public var steps: ConversationSteps
    /// A value on the group's scale (`GroupSettings.scale`); `nil` if not assessed.
    public var assessment: Int64?
    public var nextSteps: String

    public init(organizer: String, at: Date = Date(), channel: Channel = .door, place: String = "",
                steps: ConversationSteps = ConversationSteps(), assessment: Int64? = nil,
                nextSteps: String = "") {
        self.organizer = organizer
        self.at = at
        self.channel = channel
        self.place = place
        self.steps = steps
        self.assessment = assessment
        self.nextSteps = nextSteps
    }

    var ffi: FfiNewConversation {
        FfiNewConversation(
            organizer: organizer,
            atMs: at.ms,
            channel: channel.ffi,
            steps: steps.ffi,
            assessment: assessment,
            place: place,
            nextSteps: nextSteps
        )
    }
}

/// A recorded conversation, and the follow-up recorded with it.
public struct RecordedConversation: Equatable, Sendable {
    public var conversationId: String
    public var followUpId: String?
}
