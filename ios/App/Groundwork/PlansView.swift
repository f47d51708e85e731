import Groundwork
import SwiftUI

struct PlansView: View {
    let group: GroundworkGroup
    @State private var plans: [PlanSummary] = []
    @State private var error: String?
    @State private var newTitle = ""

    var body: some View {
        List {
            ForEach(plans) { plan in NavigationLink(plan.title, value: plan.id) }
            Section {
                TextField("New plan", text: $newTitle)
                    .onSubmit { Task { await create() } }
            }
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle("Plans")
        .navigationDestination(for: String.self) { id in PlanView(group: group, planId: id) }
        .task {
            await load()
            do {
                for await _ in try group.changes(.kinds([.plan])) { await load() }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
    }

    private func load() async {
        do { plans = try await group.plans() } catch let e as GroundworkError { error = e.message } catch {}
    }

    private func create() async {
        let title = newTitle.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { return }
        do {
            _ = try await group.createPlan(title: title)
            newTitle = ""
        } catch let e as GroundworkError {
            error = e.message
        } catch {}
    }
}

/// A plan: its goals, strategy, tactics and benchmarks.
struct PlanView: View {
    let group: GroundworkGroup
    let planId: String
    @State private var plan: Plan?
    @State private var error: String?
    @State private var benchmarkText = ""
    @State private var benchmarkTarget = 10

    var body: some View {
        List {
            if let plan {
                if !plan.goals.isEmpty {
                    Section("Goals") {
                        ForEach(plan.goals) { LabeledContent($0.horizon, value: $0.text) }
                    }
                }
                if !plan.strategy.isEmpty { Section("Strategy") { Text(plan.strategy) } }
                Section("Benchmarks") {
                    ForEach(plan.benchmarks) { b in
                        VStack(alignment: .leading) {
                            Text(b.description)
                            // The facade gives no benchmark progress yet (core counts it; the
                            // call is still to be exported): the target and deadline only.
                            HStack {
                                Text("target \(b.target)")
                                if let deadline = b.deadline { Text("by \(deadline, style: .date)") }
                            }
                            .font(.caption)
                            .foregroundStyle(.secondary)
                        }
                    }
                    TextField("Supporters or better to reach…", text: $benchmarkText)
                    Stepper("Target: \(benchmarkTarget)", value: $benchmarkTarget, in: 1...10_000)
                    Button("Add benchmark") {
                        Task {
                            await edit([.addSupporterBenchmark(description: benchmarkText, target: UInt64(benchmarkTarget),
                                                               deadline: nil, unit: nil)])
                            benchmarkText = ""
                        }
                    }
                    .disabled(benchmarkText.isEmpty)
                }
                Section("Tactics") {
                    ForEach(plan.tactics) { t in
                        Button {
                            Task { await edit([.setTacticDone(id: t.id, done: !t.done)]) }
                        } label: {
                            Label(t.description, systemImage: t.done ? "checkmark.circle.fill" : "circle")
                        }
                    }
                }
            }
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle(plan?.title ?? "")
        .task {
            await load()
            do {
                for await _ in try group.changes(.record(planId)) { await load() }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
    }

    private func load() async {
        do { plan = try await group.plan(id: planId) } catch let e as GroundworkError { error = e.message } catch {}
    }

    private func edit(_ edits: [PlanEdit]) async {
        // Based on the version on screen: a change that arrived meanwhile is merged, not lost.
        do { plan = try await group.updatePlan(id: planId, edits, base: plan?.version) } catch let e as GroundworkError {
            error = e.message
        } catch {}
    }
}
