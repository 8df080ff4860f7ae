package dev.sparkj.tensor.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's folder, is forced to
 * disk, and is then renamed over the target, so readers (and a crash at any moment) see either the
 * old complete file or the new complete file, never a partial one.
 *
 * <p>Use it for anything that must survive a crash intact, such as checkpoints:
 * <pre>{@code AtomicFiles.write(path, out -> out.write(bytes));}</pre>
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes a file's content to a stream; the stream is buffered and must not be closed by the body. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Atomically replaces (or creates) {@code target} with the given bytes. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /**
     * Atomically replaces (or creates) {@code target} with what {@code body} writes. If the body throws,
     * the target is left untouched and the temporary file is removed.
     */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = tempSibling(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot atomically replace " + abs + ": the file system does not support atomic rename", e);
            }
            done = true;
            if (dir != null) syncDirectory(dir);
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** A fresh, unused name next to {@code target}, hidden and ending in .tmp. */
    private static Path tempSibling(Path target) {
        String name = target.getFileName().toString();
        long r = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        return target.resolveSibling("." + name + "." + Long.toString(r, 36) + ".tmp");
    }

    /** Forces the directory entry (the rename) to disk where the platform allows it (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open directories; the rename itself is still atomic there.
        }
    }
}
