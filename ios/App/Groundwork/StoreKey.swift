import Foundation
import Security

/// The store's 32-byte key, kept in the Keychain. Made once, on first launch, from the system's
/// random source; readable after the first unlock since boot (so sync can run with the screen
/// locked) and never copied to another device or into a backup ("ThisDeviceOnly"): a new phone
/// joins the group with an invite instead.
enum StoreKey {
    private static let service = "org.groundwork.store-key"
    private static let account = "store.db"

    enum KeychainError: Error { case status(OSStatus), random(OSStatus) }

    static func loadOrCreate() throws -> Data {
        if let existing = try load() { return existing }
        var bytes = Data(count: 32)
        let status = bytes.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        guard status == errSecSuccess else { throw KeychainError.random(status) }
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: bytes,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw KeychainError.status(added) }
        return bytes
    }

    private static func load() throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess: return item as? Data
        case errSecItemNotFound: return nil
        default: throw KeychainError.status(status)
        }
    }
}
