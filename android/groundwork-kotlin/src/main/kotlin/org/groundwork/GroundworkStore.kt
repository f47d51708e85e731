package org.groundwork

import java.util.Collections
import java.util.WeakHashMap
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.groundwork.ffi.GroundworkStore as FfiStore

/**
 * This device's encrypted store: its groups, and its identity on the network.
 *
 * Open one per store file with [open] and keep it for the app's lifetime (an Application-scoped
 * singleton); [close] it when done. Until then the file stays locked: a second [open] of the same
 * file fails with [GroundworkException.Storage]. Closing the store also closes every [Group] and
 * [Node] it handed out, so the file is released when [close] returns (a node still running is
 * shut down by Rust in the background; call [Node.shutdown] first for a clean goodbye to peers).
 *
 * Store calls are `suspend` and run on [io] (by default [Dispatchers.IO]): each is a few
 * milliseconds of SQLite and fsync, which must never run on the main thread.
 */
public class GroundworkStore private constructor(
    private val ffi: FfiStore,
    internal val io: CoroutineDispatcher,
) : AutoCloseable {
    /** Groups and nodes made from this store, closed with it. Weak: a wrapper the app dropped is
     *  freed by the garbage collector (the generated code registers a cleaner). */
    private val children: MutableSet<AutoCloseable> = Collections.synchronizedSet(
        Collections.newSetFromMap(WeakHashMap()),
    )

    public companion object {
        /**
         * Opens the store at [path], creating it (and its folder) if absent. [key] is the raw 32
         * bytes the platform keystore keeps (another length: [GroundworkException.InvalidInput]);
         * a key that does not open the file, or a file that is not a store, is
         * [GroundworkException.Storage], and the file is left untouched.
         */
        /**
         * Restores an encrypted backup (see [createBackup]) as the store at [path], which must
         * not be open; [key] is the store key the backup was made under. An existing store
         * there is refused unless [replace]. The restored store is the same device.
         */
        public suspend fun restoreBackup(
            backupPath: String,
            path: String,
            key: ByteArray,
            replace: Boolean = false,
        ): BackupSummary = guard { org.groundwork.ffi.restoreStoreBackup(backupPath, path, key, replace) }

        public suspend fun open(
            path: String,
            key: ByteArray,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): GroundworkStore {
            val ffi = guard { FfiStore.open(path, key) }
            return GroundworkStore(ffi, io)
        }
    }

    /** This device's id (its public key, hex): how other devices know it. */
    public val deviceId: String get() = guard { ffi.deviceId() }

    /** This device's fingerprint (four groups of five digits), for people to compare. */
    public val fingerprint: String get() = guard { ffi.fingerprint() }

    /** Creates a group; this device becomes its first admin. */
    public suspend fun createGroup(name: String): Group = adopt(blocking { ffi.createGroup(name) })

    /** The groups on this device, oldest first. */
    public suspend fun groups(): List<GroupSummary> = blocking { ffi.groups() }

    /** A group on this device, by id ([GroundworkException.NotFound] if it is not here). */
    public suspend fun group(id: String): Group = adopt(blocking { ffi.group(id) })

    /**
     * Starts this device on the network (binds the endpoint; serves sync and, while an invite is
     * live, joins). Keep it while the app is in the foreground; [Node.shutdown] it after.
     */
    public suspend fun startNode(options: NodeOptions = NodeOptions()): Node {
        val node = Node(guard { ffi.startNode(options) }, this)
        children.add(node)
        return node
    }

    /**
     * Re-encrypts the store under [newKey] (32 bytes): put the new key in the keystore first,
     * call this, then delete the old one. Every page is rewritten: a moment on a large store.
     */
    public suspend fun changeKey(newKey: ByteArray): kotlin.Unit = guard { ffi.changeKey(newKey) }

    /** Writes an encrypted backup of the whole store to [backupPath] (under the store's own
     *  key); [note] travels in the clear. */
    public suspend fun createBackup(backupPath: String, note: ByteArray = ByteArray(0)): BackupSummary =
        guard { ffi.createBackup(backupPath, note) }

    /**
     * Destroys the store: every group and record on this phone and its device key (for "wipe
     * this phone", and after this device was removed from its group). Shut the node down first.
     * Delete the store key from the Android Keystore too: that is what makes any copy of the
     * file unreadable. Afterwards this object sees an empty store that refuses writes.
     */
    public suspend fun wipe(): kotlin.Unit = guard { ffi.wipe() }

    /** Frees the store and everything made from it; the file is unlocked. Safe to call twice. */
    override fun close() {
        val made = synchronized(children) { children.toList().also { children.clear() } }
        made.forEach { it.close() }
        ffi.close()
    }

    private fun adopt(group: org.groundwork.ffi.Group): Group =
        Group(group, this).also { children.add(it) }

    /** Runs a blocking store call on [io], translating its errors. */
    internal suspend fun <T> blocking(call: () -> T): T = withContext(io) { guard(call) }
}
