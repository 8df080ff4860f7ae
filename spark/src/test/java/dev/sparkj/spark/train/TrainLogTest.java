package dev.sparkj.spark.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainLogTest {
    private static TrainLog.Entry entry(long g) {
        return new TrainLog.Entry((int) (g / 4), (int) (g % 4), g, 1.0 / (g + 1), 1e-3 * g, 0.04, 0.5, 0.25);
    }

    /** A resumed run drops what a dead run logged after its checkpoint (and a line torn by the crash). */
    @Test
    void reopeningKeepsOnlyIterationsBeforeTheResumePoint(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("log.jsonl");
        try (TrainLog log = new TrainLog(f, 0)) {
            for (long g = 0; g < 6; g++) log.add(entry(g));
        }
        assertEquals("{\"epoch\":0,\"it\":1,\"global_it\":1,\"loss\":0.5,\"lr\":0.001,\"wd\":0.04,\"grad_norm\":0.5,\"seconds\":0.25}",
                Files.readAllLines(f).get(1));
        Files.writeString(f, "{\"epoch\":1,\"it\":2,\"glo", StandardOpenOption.APPEND);
        try (TrainLog log = new TrainLog(f, 4)) {
            assertEquals(4, log.points().size());
            assertEquals(0.25, log.points().get(3).loss());
            log.add(entry(4));
        }
        List<TrainLog.Entry> back = TrainLog.read(f);
        assertEquals(List.of(entry(0), entry(1), entry(2), entry(3), entry(4)), back);
        try (TrainLog log = new TrainLog(f, 0)) {
            assertTrue(log.points().isEmpty());
        }
        assertEquals(0, Files.size(f), "a new run starts a new log");
    }

    @Test
    void progressLinesOnATerminalAndInALog() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressLine plain = new ProgressLine(new PrintStream(buf, true, StandardCharsets.UTF_8), false, 6, 3600);
        for (int it = 0; it < 3; it++) plain.iteration(0, 2, it, 3, 8, 0.9, 1.5e-3);
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, "first and last iteration of the epoch only: " + buf);
        assertTrue(lines[0].startsWith("ep 1/2  it 1/3  ") && lines[0].contains("loss 0.9000  lr 1.500e-03  ETA "), lines[0]);
        assertTrue(lines[1].startsWith("ep 1/2  it 3/3  "), lines[1]);

        buf.reset();
        ProgressLine tty = new ProgressLine(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 6, 3600);
        tty.iteration(0, 2, 0, 3, 8, 0.9, 1.5e-3);
        tty.iteration(0, 2, 1, 3, 8, 0.8, 1.5e-3);
        tty.message("done");
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\rep 1/2  it 1/3") && s.contains("\rep 1/2  it 2/3") && s.endsWith("\ndone\n"), s);
    }

    @Test
    void durations() {
        assertEquals("1:02:03", ProgressLine.format(java.time.Duration.ofSeconds(3723)));
        assertEquals("0:00:09", ProgressLine.format(java.time.Duration.ofSeconds(9)));
    }
}
