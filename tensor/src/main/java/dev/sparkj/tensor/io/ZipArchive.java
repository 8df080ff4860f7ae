package dev.sparkj.tensor.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A read-only view of a zip archive held in memory or memory-mapped, found through its central
 * directory (so entries written with data descriptors, as PyTorch writes them, work; zip64 too).
 * Entries may be stored or deflated; each read checks the CRC. Damage and truncation are reported
 * as {@link TensorFileException}s naming the archive.
 */
final class ZipArchive {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private record Entry(String name, int method, long crc, long compressed, long size, long localHeader) {}

    private final MemorySegment zip;
    private final String file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private ZipArchive(MemorySegment zip, String file) {
        this.zip = zip;
        this.file = file;
    }

    /** Indexes the archive in {@code zip}; {@code file} names it in errors. */
    static ZipArchive open(MemorySegment zip, String file) throws TensorFileException {
        ZipArchive a = new ZipArchive(zip, file);
        a.readDirectory();
        return a;
    }

    /** Names of the file entries, in directory order. */
    Set<String> names() { return entries.keySet(); }

    /** An entry's content, or null when there is no such entry. */
    byte[] read(String name) throws TensorFileException {
        Entry e = entries.get(name);
        if (e == null) return null;
        long h = e.localHeader;
        if (h < 0 || h + 30 > zip.byteSize() || zip.get(U32, h) != 0x04034b50)
            throw damaged("entry " + name + ": bad local header at offset " + h);
        long data = h + 30 + u16(h + 26) + u16(h + 28);
        if (data + e.compressed > zip.byteSize())
            throw damaged("truncated zip archive: entry " + name + " needs " + e.compressed + " bytes at offset " + data
                    + " but the file ends at " + zip.byteSize());
        if (e.size > Integer.MAX_VALUE - 16) throw damaged("entry " + name + " is too large (" + e.size + " bytes)");
        byte[] out;
        if (e.method == 0) {
            if (e.compressed != e.size) throw damaged("entry " + name + ": stored sizes differ");
            out = zip.asSlice(data, e.size).toArray(ValueLayout.JAVA_BYTE);
        } else if (e.method == 8) {
            out = inflate(e, zip.asSlice(data, e.compressed).toArray(ValueLayout.JAVA_BYTE));
        } else throw damaged("entry " + name + " uses unsupported compression method " + e.method);
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != e.crc) throw damaged("entry " + name + " fails its CRC check (corrupt data)");
        return out;
    }

    private byte[] inflate(Entry e, byte[] in) throws TensorFileException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in);
            byte[] out = new byte[(int) e.size];
            int n = 0;
            while (n < out.length) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
                n += k;
            }
            if (n != out.length) throw damaged("entry " + e.name + " inflates to " + n + " bytes, expected " + e.size);
            return out;
        } catch (DataFormatException ex) {
            throw damaged("entry " + e.name + " has corrupt deflate data: " + ex.getMessage());
        } finally {
            inf.end();
        }
    }

    private void readDirectory() throws TensorFileException {
        long size = zip.byteSize();
        long eocd = -1;
        for (long i = size - 22; i >= Math.max(0, size - 22 - 65535); i--) {
            if (zip.get(U32, i) == 0x06054b50) { eocd = i; break; }
        }
        if (eocd < 0) throw damaged("truncated zip archive: the end-of-central-directory record is missing");
        long count = u16(eocd + 10);
        long dirSize = u32(eocd + 12), dirOffset = u32(eocd + 16);
        if (count == 0xffff || dirSize == 0xffffffffL || dirOffset == 0xffffffffL) { // zip64
            long loc = eocd - 20;
            if (loc < 0 || zip.get(U32, loc) != 0x07064b50) throw damaged("zip64 archive without its end-of-directory locator");
            long rec = zip.get(U64, loc + 8);
            if (rec < 0 || rec + 56 > size || zip.get(U32, rec) != 0x06064b50) throw damaged("bad zip64 end-of-directory record");
            count = zip.get(U64, rec + 32);
            dirSize = zip.get(U64, rec + 40);
            dirOffset = zip.get(U64, rec + 48);
        }
        if (dirOffset < 0 || dirSize < 0 || dirOffset + dirSize > size)
            throw damaged("truncated zip archive: the central directory (offset " + dirOffset + ", " + dirSize + " bytes) lies outside the file");
        long p = dirOffset;
        for (long i = 0; i < count; i++) {
            if (p + 46 > dirOffset + dirSize || zip.get(U32, p) != 0x02014b50) throw damaged("corrupt central directory at offset " + p);
            int method = u16(p + 10);
            long crc = u32(p + 16), compressed = u32(p + 20), usize = u32(p + 24);
            int nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
            long local = u32(p + 42);
            if (p + 46 + nameLen + extraLen > dirOffset + dirSize) throw damaged("corrupt central directory at offset " + p);
            String name = new String(zip.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // zip64 extra field: the 0xffffffff fields, in order usize, compressed, local
            long x = p + 46 + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(x), len = u16(x + 2);
                if (id == 0x0001) {
                    long q = x + 4;
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) { usize = zip.get(U64, q); q += 8; }
                    if (compressed == 0xffffffffL && q + 8 <= x + 4 + len) { compressed = zip.get(U64, q); q += 8; }
                    if (local == 0xffffffffL && q + 8 <= x + 4 + len) local = zip.get(U64, q);
                }
                x += 4 + len;
            }
            if (!name.endsWith("/")) entries.put(name, new Entry(name, method, crc, compressed, usize, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
    }

    private int u16(long at) { return zip.get(U16, at) & 0xffff; }

    private long u32(long at) { return zip.get(U32, at) & 0xffffffffL; }

    private TensorFileException damaged(String problem) { return new TensorFileException(file, problem); }
}
