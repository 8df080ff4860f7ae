package dev.sparkj.spark.train;

import dev.sparkj.spark.vis.LossCurve;
import dev.sparkj.tensor.io.Json;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable log of a run, {@code log.jsonl} next to the checkpoints: one JSON object per
 * iteration with {@code epoch}, {@code it} (in the epoch), {@code global_it}, {@code loss}, {@code lr},
 * {@code wd}, {@code grad_norm} (before clipping) and {@code seconds} (the iteration's wall time).
 * A resumed run first drops the lines at or after the iteration it resumes from (written after the
 * checkpoint by a run that then died), so the file reads as one uninterrupted run.
 */
public final class TrainLog implements Closeable {
    /** One logged iteration. */
    public record Entry(int epoch, int it, long globalIt, double loss, double lr, double wd, double gradNorm, double seconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("it", it);
            m.put("global_it", globalIt);
            m.put("loss", loss);
            m.put("lr", lr);
            m.put("wd", wd);
            m.put("grad_norm", gradNorm);
            m.put("seconds", seconds);
            return m;
        }
    }

    private final Path file;
    private final BufferedWriter w;
    private final List<LossCurve.Point> points = new ArrayList<>();

    /** Opens {@code file}, keeping the lines of iterations before {@code keepBefore} (0 starts a new log). */
    public TrainLog(Path file, long keepBefore) throws IOException {
        this.file = file;
        List<String> kept = new ArrayList<>();
        if (keepBefore > 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                Map<?, ?> m;
                try {
                    m = (Map<?, ?>) Json.parse(line);
                } catch (RuntimeException e) {
                    break; // a line cut by a crash: drop it and what follows
                }
                if (!(m.get("global_it") instanceof Long g) || g >= keepBefore) break;
                kept.add(line);
                if (m.get("loss") instanceof Number l) points.add(new LossCurve.Point(g, l.doubleValue()));
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, kept, StandardCharsets.UTF_8);
        w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Appends one iteration (flushed, so the file is current if the run dies). */
    public void add(Entry e) throws IOException {
        w.write(Json.write(e.toMap()));
        w.newLine();
        w.flush();
        points.add(new LossCurve.Point(e.globalIt(), e.loss()));
    }

    /** All losses of the run so far (including those kept from before a resume), by global iteration. */
    public List<LossCurve.Point> points() { return List.copyOf(points); }

    public Path file() { return file; }

    /** Reads the entries of a log file (a line cut short by a crash ends it). */
    public static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            Map<?, ?> m;
            try {
                m = (Map<?, ?>) Json.parse(line);
            } catch (RuntimeException e) {
                break;
            }
            out.add(new Entry(num(m, "epoch").intValue(), num(m, "it").intValue(), num(m, "global_it").longValue(),
                    num(m, "loss").doubleValue(), num(m, "lr").doubleValue(), num(m, "wd").doubleValue(),
                    num(m, "grad_norm").doubleValue(), num(m, "seconds").doubleValue()));
        }
        return out;
    }

    private static Number num(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n : Double.NaN;
    }

    @Override public void close() throws IOException { w.close(); }
}
