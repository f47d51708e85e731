import CoreImage.CIFilterBuiltins
import Groundwork
import SwiftUI
import UIKit

/// At a meeting: admit a new member's phone with an invite, sync with the members here, and watch
/// the sessions as they happen.
struct MeetingView: View {
    let group: GroundworkGroup
    @EnvironmentObject var model: AppModel
    @State private var invite: Invite?
    @State private var joinedDevice: JoinedDevice?
    @State private var reports: [SyncReport] = []
    @State private var status: SyncStatus?
    @State private var meetingUntil: Date?
    @State private var syncing = false
    @State private var error: String?

    var body: some View {
        List {
            Section("Invite a member's phone") {
                if let invite {
                    QRCode(payload: invite.qrPayload).frame(width: 220, height: 220)
                    Text(invite.ticket).font(.caption.monospaced()).textSelection(.enabled)
                    Text("Works once, until \(invite.expiresAt, style: .time)").font(.caption)
                    if let joinedDevice {
                        Text("\(joinedDevice.name) joined. Compare out loud: \(joinedDevice.fingerprint)").bold()
                    } else {
                        ProgressView("Waiting for the other phone…")
                    }
                } else {
                    Button("Show an invite") { Task { await showInvite() } }
                }
                NavigationLink("Join a group with an invite") { JoinView() }
            }
            Section("Meeting mode") {
                if let meetingUntil {
                    Text("Syncing with the members here until \(meetingUntil, style: .time)")
                    Button("End meeting mode") { self.meetingUntil = nil }
                } else {
                    Button("Start meeting mode (1 hour)") { meetingUntil = Date().addingTimeInterval(3600) }
                }
                Button("Sync now with every member I know") { Task { await syncKnown() } }.disabled(syncing)
                if syncing { ProgressView() }
            }
            if let status {
                Section("Members' devices") {
                    ForEach(status.peers) { peer in
                        VStack(alignment: .leading) {
                            Text(peer.name.isEmpty ? String(peer.id.prefix(12)) : peer.name)
                            if let last = peer.lastSession {
                                Text(describe(last)).font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
            Section("Sessions") {
                ForEach(Array(reports.enumerated()), id: \.offset) { _, r in Text(describe(r)).font(.caption) }
            }
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle("Meeting")
        // The node runs while this screen is up; its sessions stream in until the screen goes.
        .task {
            do {
                let node = try await model.startNode()
                status = try node.syncStatus(group)
                for await report in node.syncReports() {
                    reports.insert(report, at: 0)
                    status = try? node.syncStatus(group)
                }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
        // Meeting mode, as far as the facade goes today: sync with every member device whose
        // address is known, every 30 seconds, until the time limit. Finding members on the
        // network (mDNS) is not exported yet: see ios/README.md.
        .task(id: meetingUntil) {
            while let until = meetingUntil, Date() < until, !Task.isCancelled {
                await syncKnown()
                try? await Task.sleep(nanoseconds: 30_000_000_000)
            }
            meetingUntil = nil
        }
    }

    private func showInvite() async {
        do {
            let node = try await model.startNode()
            let invite = try node.invite(to: group)
            self.invite = invite
            joinedDevice = try await invite.waitJoined()
        } catch let e as GroundworkError {
            error = e.message
            invite = nil
        } catch {}
    }

    private func syncKnown() async {
        syncing = true
        defer { syncing = false }
        do {
            let node = try await model.startNode()
            let outcomes = try await node.syncKnownPeers(group)
            if let failed = outcomes.first(where: { $0.error != nil }) { error = failed.error }
        } catch let e as GroundworkError {
            error = e.message
        } catch {}
    }

    private func describe(_ r: SyncReport) -> String {
        let who = String(r.peerDeviceId.prefix(12))
        if let stats = r.stats {
            return "\(who): \(stats.docsReceived) records in, \(stats.docsSent) out, \(stats.roundTrips) round trips"
        }
        return "\(who): failed (\(r.error ?? "unknown"))"
    }
}

/// Join a group: paste the ticket (or type what the QR code says), name this phone.
struct JoinView: View {
    @EnvironmentObject var model: AppModel
    @State private var ticket = ""
    @State private var deviceName = ""
    @State private var joined: JoinedGroup?
    @State private var working = false
    @State private var error: String?

    var body: some View {
        Form {
            TextField("Ticket (gwinvite1…)", text: $ticket).textInputAutocapitalization(.never)
            TextField("This phone's name (Rosa's phone)", text: $deviceName)
            Button("Join") { Task { await join() } }.disabled(ticket.isEmpty || deviceName.isEmpty || working)
            if working { ProgressView("Joining and syncing…") }
            if let joined {
                Text("Joined \(joined.groupName). Compare out loud: \(joined.fingerprint)").bold()
            }
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle("Join a group")
    }

    private func join() async {
        working = true
        defer { working = false }
        do {
            let node = try await model.startNode()
            let result = try await node.join(ticket: ticket.trimmingCharacters(in: .whitespacesAndNewlines),
                                             deviceName: deviceName)
            joined = result
            await model.joined(result)
        } catch let e as GroundworkError {
            error = e.message
        } catch {}
    }
}

/// A QR code drawn with Core Image (error correction L, as the ticket's payload asks).
struct QRCode: View {
    let payload: String

    var body: some View {
        if let image = render() {
            Image(uiImage: image).interpolation(.none).resizable().scaledToFit()
        } else {
            Text("The QR code could not be drawn; use the ticket text.")
        }
    }

    private func render() -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(payload.utf8)
        filter.correctionLevel = "L"
        guard let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 8, y: 8)),
              let cg = CIContext().createCGImage(output, from: output.extent) else { return nil }
        return UIImage(cgImage: cg)
    }
}
