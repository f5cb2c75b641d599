// SecureStorage for the Rust core on Android: values sealed with AES-256-GCM under a key that
// lives in the Android Keystore (never exportable), ciphertext kept in private SharedPreferences.
package org.kipochi.wallet

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.kipochi.FfiException
import uniffi.kipochi.SecureStorage

class KeystoreSecureStorage(context: Context) : SecureStorage {
    private val prefs = context.getSharedPreferences("kipochi.secure", Context.MODE_PRIVATE)

    private fun key(): SecretKey {
        val ks = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (ks.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        gen.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return gen.generateKey()
    }

    override fun get(key: String): ByteArray? {
        val stored = prefs.getString(key, null) ?: return null
        return guard {
            val bytes = Base64.decode(stored, Base64.NO_WRAP)
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, bytes, 0, IV_LEN))
            cipher.doFinal(bytes, IV_LEN, bytes.size - IV_LEN)
        }
    }

    override fun put(key: String, value: ByteArray) {
        val sealed = guard {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, key())
            cipher.iv + cipher.doFinal(value)
        }
        // commit(), not apply(): the core reads the key back and relies on it being durable.
        if (!prefs.edit().putString(key, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()) {
            throw FfiException.Platform("storage_write_failed", "secure preferences not written")
        }
    }

    override fun delete(key: String) {
        prefs.edit().remove(key).commit()
    }

    private fun <T> guard(body: () -> T): T = try {
        body()
    } catch (e: java.security.GeneralSecurityException) {
        throw FfiException.Platform("keystore_failed", e.javaClass.simpleName)
    }

    private companion object {
        const val ALIAS = "kipochi.storage.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_LEN = 12
    }
}
