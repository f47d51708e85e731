import Groundwork
import SwiftUI

@main
struct GroundworkApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .task { await model.open() }
        }
    }
}

struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        switch model.phase {
        case .opening:
            ProgressView("Opening the store…")
        case .needsGroup:
            FirstGroupView()
        case let .failed(message):
            ContentUnavailableView("Groundwork could not start", systemImage: "exclamationmark.triangle",
                                   description: Text(message))
        case let .ready(group, settings):
            TabView {
                NavigationStack { ContactListView(group: group, settings: settings) }
                    .tabItem { Label("Contacts", systemImage: "person.2") }
                NavigationStack { FollowUpsView(group: group, settings: settings) }
                    .tabItem { Label("Follow-ups", systemImage: "checklist") }
                NavigationStack { PlansView(group: group) }
                    .tabItem { Label("Plans", systemImage: "flag") }
                NavigationStack { MeetingView(group: group) }
                    .tabItem { Label("Meeting", systemImage: "person.3") }
            }
        }
    }
}

/// First launch: start a group, or join one with an invite from another member's phone.
struct FirstGroupView: View {
    @EnvironmentObject var model: AppModel
    @State private var name = ""

    var body: some View {
        NavigationStack {
            Form {
                Section("Your name, as your group knows you") {
                    TextField("Name", text: $model.organizer)
                }
                Section("Start a group") {
                    TextField("Group name (Maple Court Tenants)", text: $name)
                    Button("Create") { Task { await model.createGroup(named: name) } }
                        .disabled(name.trimmingCharacters(in: .whitespaces).isEmpty)
                }
                Section("Join a group") {
                    NavigationLink("Join with an invite") { JoinView() }
                }
            }
            .navigationTitle("Groundwork")
        }
    }
}
