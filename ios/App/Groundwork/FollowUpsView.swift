import Groundwork
import SwiftUI

/// This organizer's open follow-ups: overdue, due today, due this week.
struct FollowUpsView: View {
    let group: GroundworkGroup
    let settings: GroupSettings
    @EnvironmentObject var model: AppModel
    @State private var rows: [FollowUpSummary] = []
    @State private var error: String?

    private var calendar: Calendar { Calendar.current }
    private var startOfToday: Date { calendar.startOfDay(for: Date()) }
    private var startOfTomorrow: Date { calendar.date(byAdding: .day, value: 1, to: startOfToday) ?? Date() }
    private var endOfWeek: Date { calendar.date(byAdding: .day, value: 7, to: startOfToday) ?? Date() }

    var body: some View {
        List {
            section("Overdue", rows.filter { ($0.due ?? .distantFuture) < startOfToday })
            section("Today", rows.filter { ($0.due.map { $0 >= startOfToday && $0 < startOfTomorrow }) ?? false })
            section("This week", rows.filter { ($0.due.map { $0 >= startOfTomorrow }) ?? false })
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle("Follow-ups")
        // Watched until the end of the week, in the organizer's own day; the watch restarts
        // when the day changes (the id), so "today" moves with the clock.
        .task(id: startOfToday) {
            let query = FollowUpQuery(assignee: model.organizer.isEmpty ? nil : model.organizer,
                                      dueBefore: endOfWeek, limit: 500)
            do {
                for await latest in try group.watchFollowUps(query) { rows = latest }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
    }

    @ViewBuilder
    private func section(_ title: String, _ items: [FollowUpSummary]) -> some View {
        if !items.isEmpty {
            Section(title) {
                ForEach(items) { item in
                    VStack(alignment: .leading) {
                        Text(item.title)
                        if let due = item.due { Text(due, style: .date).font(.caption).foregroundStyle(.secondary) }
                    }
                    .swipeActions {
                        Button("Done") { Task { await run { _ = try await group.completeFollowUp(id: item.id) } } }
                            .tint(.green)
                        Button("Tomorrow") {
                            Task { await run { _ = try await group.snoozeFollowUp(id: item.id, until: startOfTomorrow) } }
                        }
                    }
                }
            }
        }
    }

    private func run(_ action: () async throws -> Void) async {
        do { try await action() } catch let e as GroundworkError { error = e.message } catch {}
    }
}
