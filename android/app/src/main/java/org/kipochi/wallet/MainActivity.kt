// The app shell: one Activity, three Compose screens (scan & pay, receive, agent queue). UI code
// only: everything it shows comes from the Rust core through the generated bindings, called off
// the main thread (Dispatchers.Default/IO), as the bindings' threading model requires.
package org.kipochi.wallet

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.foundation.layout.padding
import org.kipochi.wallet.ui.AgentScreen
import org.kipochi.wallet.ui.ReceiveScreen
import org.kipochi.wallet.ui.ScanScreen
import uniffi.kipochi.DeviceKey
import uniffi.kipochi.Outbox
import uniffi.kipochi.WalletModel
import uniffi.kipochi.WalletStore

/** Process-wide core objects (one store file, one model, one outbox). */
class Core(activity: ComponentActivity) {
    val store: WalletStore = WalletStore.openSqlite(activity.filesDir.resolve("wallet.db").path)
    val model = WalletModel().also { it.loadFromStore(store) }
    val outbox = Outbox(store, model)
    val storage = KeystoreSecureStorage(activity)

    /** Loads or creates the device key (Keystore-sealed); call off the main thread. */
    fun deviceKey(): DeviceKey = DeviceKey.loadOrCreate(storage)
}

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val core = Core(this)
        setContent {
            MaterialTheme {
                var tab by remember { mutableIntStateOf(0) }
                Scaffold(bottomBar = {
                    NavigationBar {
                        listOf("Scan & pay", "Receive", "Agent").forEachIndexed { i, label ->
                            NavigationBarItem(selected = tab == i, onClick = { tab = i }, icon = {}, label = { Text(label) })
                        }
                    }
                }) { padding ->
                    Column(Modifier.padding(padding)) {
                        when (tab) {
                            0 -> ScanScreen()
                            1 -> ReceiveScreen()
                            else -> AgentScreen(core)
                        }
                    }
                }
            }
        }
    }
}
