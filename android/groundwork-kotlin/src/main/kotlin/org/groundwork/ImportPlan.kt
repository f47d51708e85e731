package org.groundwork

import org.groundwork.ffi.ImportPlan as FfiImportPlan

/** A planned import (see [Group.planImport]): what the confirmation screen shows. */
public class ImportPlan internal constructor(internal val ffi: FfiImportPlan) : AutoCloseable {
    /** The counts, the tool the file came from and how each column is read. */
    public fun preview(): ImportPreview = guard { ffi.preview() }

    /** The file's records from [offset] on (at most [limit], up to 1,000), in file order. */
    public fun rows(offset: Int = 0, limit: Int = 100): List<ImportRow> =
        guard { ffi.rows(offset.toUInt(), limit.toUInt()) }

    override fun close(): kotlin.Unit = ffi.close()
}
