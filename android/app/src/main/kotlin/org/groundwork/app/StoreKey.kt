package org.groundwork.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The store's 32-byte key, created on this phone and wrapped by the Android Keystore.
 *
 * The Keystore holds an AES-256-GCM key that never leaves it (in secure hardware where the phone
 * has it). The store key itself is 32 random bytes, encrypted under that key and kept in the
 * app's private files (`store.key`): Groundwork's SQLCipher store needs the raw bytes, which a
 * Keystore key cannot give out. Whoever copies the app's files gets the store and the wrapped
 * key, but not the Keystore key that unwraps it.
 *
 * File format: one version byte (1), the GCM nonce's length (one byte), the nonce, then the
 * ciphertext with its 16-byte tag. Written to a temporary file and renamed, so a crash never
 * leaves half a key (which would lock the organizer out of their store).
 */
internal class StoreKey(private val file: File) {
    /** The raw key: unwrapped if it exists, else made, wrapped and saved first. The caller
     *  overwrites the array once the store is open. */
    fun load(): ByteArray = if (file.exists()) unwrap(file.readBytes()) else create()

    private fun create(): ByteArray {
        val key = ByteArray(KEY_BYTES).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The Keystore chooses the nonce (it refuses caller-chosen ones for encryption).
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        val sealed = cipher.doFinal(key)
        val nonce = cipher.iv
        val out = byteArrayOf(FORMAT, nonce.size.toByte()) + nonce + sealed
        val tmp = File(file.parentFile, file.name + ".tmp")
        tmp.outputStream().use { s ->
            s.write(out)
            s.fd.sync()
        }
        check(tmp.renameTo(file)) { "could not save the store key" }
        return key
    }

    private fun unwrap(bytes: ByteArray): ByteArray {
        require(bytes.size > 2 && bytes[0] == FORMAT) { "store.key: unknown format" }
        val nonceLength = bytes[1].toInt()
        require(nonceLength in 12..16 && bytes.size > 2 + nonceLength) { "store.key: damaged" }
        val nonce = bytes.copyOfRange(2, 2 + nonceLength)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(TAG_BITS, nonce))
        return cipher.doFinal(bytes, 2 + nonceLength, bytes.size - 2 - nonceLength)
    }

    /** The Keystore's wrapping key, generated there on first use. */
    private fun wrappingKey(): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setKeySize(256)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setRandomizedEncryptionRequired(true)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "groundwork-store-key-wrap"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val KEY_BYTES = 32
        const val FORMAT: Byte = 1
    }
}
