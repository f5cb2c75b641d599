// SecureStorage for the Rust core on iOS: one Keychain generic-password item per key,
// readable only when the device has a passcode, never synced or backed up to another device.
import Foundation
import Kipochi
import Security

public final class KeychainSecureStorage: SecureStorage {
    private let service = "org.kipochi.wallet.secure"

    public init() {}

    private func query(_ key: String) -> [String: Any] {
        [kSecClass as String: kSecClassGenericPassword,
         kSecAttrService as String: service,
         kSecAttrAccount as String: key]
    }

    public func get(key: String) throws -> Data? {
        var q = query(key)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &out)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess else {
            throw FfiError.Platform(code: "keychain_read_failed", detail: "OSStatus \(status)")
        }
        return out as? Data
    }

    public func put(key: String, value: Data) throws {
        SecItemDelete(query(key) as CFDictionary)
        var q = query(key)
        q[kSecValueData as String] = value
        q[kSecAttrAccessible as String] = kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly
        let status = SecItemAdd(q as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw FfiError.Platform(code: "keychain_write_failed", detail: "OSStatus \(status)")
        }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(query(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw FfiError.Platform(code: "keychain_delete_failed", detail: "OSStatus \(status)")
        }
    }
}
