import Foundation
import GroundworkUniffi

/// A plan: the terrain it covers, its goals, strategy, tactics and the benchmarks that measure it.
public struct Plan: Identifiable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var units: [String]
    public var goals: [Goal]
    public var strategy: String
    public var tactics: [Tactic]
    public var benchmarks: [Benchmark]
    public var version: String

    init(_ p: FfiPlan) {
        id = p.id
        title = p.title
        units = p.units
        goals = p.goals.map(Goal.init)
        strategy = p.strategy
        tactics = p.tactics.map(Tactic.init)
        benchmarks = p.benchmarks.map(Benchmark.init)
        version = p.meta.version
    }
}

/// A goal over a horizon (long, medium, short term).
public struct Goal: Identifiable, Equatable, Sendable {
    public var id: String
    public var horizon: String
    public var text: String

    init(_ g: FfiGoal) {
        id = g.id
        switch g.horizon {
        case .long: horizon = "long"
        case .medium: horizon = "medium"
        case .short: horizon = "short"
        case let .other(value): horizon = value
        }
        text = g.text
    }
}

/// A step of the plan, with who owns it and when.
public struct Tactic: Identifiable, Equatable, Sendable {
    public var id: String
    public var description: String
    public var owner: String
    public var date: Date?
    public var done: Bool

    init(_ t: FfiTactic) {
        id = t.id
        description = t.description
        owner = t.owner
        date = t.dateMs.date
        done = t.done
    }
}

/// A target over a count of the records ("30 supporters on the night shift by March"). Progress
/// is never typed in: core counts it from the index.
public struct Benchmark: Identifiable, Equatable, Sendable {
    public enum Counts: Equatable, Sendable {
        case contacts, conversations, followUps
        /// A kind a newer Groundwork counts.
        case other(String)
    }

    public var id: String
    public var description: String
    public var target: UInt64
    public var deadline: Date?
    public var counts: Counts
    /// The unit it counts in (with the units below it), if any.
    public var unit: String?

    init(_ b: FfiBenchmark) {
        id = b.id
        description = b.description
        target = b.target
        deadline = b.deadlineMs.date
        switch b.query.counts {
        case .contacts: counts = .contacts
        case .conversations: counts = .conversations
        case .followUps: counts = .followUps
        case let .other(value): counts = .other(value)
        }
        unit = b.query.unit
    }
}

/// A plan as listed.
public struct PlanSummary: Identifiable, Equatable, Sendable {
    public var id: String
    public var title: String
}

/// One change to a plan.
public enum PlanEdit: Sendable {
    case setTitle(String)
    case addTactic(description: String, owner: String, date: Date?)
    case setTacticDone(id: String, done: Bool)
    /// A benchmark counting contacts assessed supporter or better (in `unit`, if given).
    case addSupporterBenchmark(description: String, target: UInt64, deadline: Date?, unit: String?)
    case removeBenchmark(id: String)
    case setStrategy(String)

    var ffi: FfiPlanEdit {
        switch self {
        case let .setTitle(title):
            return FfiPlanEdit.setTitle(title: title)
        case let .addTactic(description, owner, date):
            return FfiPlanEdit.addTactic(description: description, owner: owner, dateMs: date?.ms)
        case let .setTacticDone(id, done):
            return FfiPlanEdit.setTacticDone(id: id, done: done)
        case let .addSupporterBenchmark(description, target, deadline, unit):
            let query = FfiRecordQuery(
                counts: FfiCounted.contacts,
                unit: unit,
                assessment: FfiAssessmentAtLeast.supporterOrBetter
            )
            return FfiPlanEdit.addBenchmark(description: description, target: target,
                                            deadlineMs: deadline?.ms, query: query)
        case let .removeBenchmark(id):
            return FfiPlanEdit.removeBenchmark(id: id)
        case let .setStrategy(text):
            return FfiPlanEdit.editStrategy(edit: FfiTextEdit.replace(text: text))
        }
    }
}
