package dev.sparkj.spark.cli;

import dev.sparkj.spark.ckpt.SparkCheckpoint;
import dev.sparkj.spark.train.Pretrainer;
import dev.sparkj.spark.train.TinyRuns;
import dev.sparkj.spark.train.TrainLog;
import dev.sparkj.spark.vis.ImageGrid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandsTest {
    static final String ARCH = "{\"family\":\"resnet\",\"block\":\"basicblock\",\"layers\":[1,1,1,1],\"channels\":[8,8,8,16,16]}";

    /** An IDX u8 image file [n, 28, 28] with a different gradient per image. */
    static Path idx(Path dir, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + n * 28 * 28);
        b.putInt(0x00000803).putInt(n).putInt(28).putInt(28);
        for (int i = 0; i < n; i++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) b.put((byte) ((x * (i + 3) + y * 5 + 40 * i) & 0xff));
        Path f = dir.resolve("images-idx3-ubyte");
        Files.write(f, b.array());
        return f;
    }

    /** Runs a command, returning its exit code and what it printed to stderr. */
    record Outcome(int code, String err) {}

    static Outcome main(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            return new Outcome(Main.run(args), buf.toString());
        } finally {
            System.setErr(saved);
        }
    }

    /** pretrain (1 epoch) → resume for a 2nd → reconstruct on the checkpoint: a PNG of the grid's size. */
    @Test
    void pretrainResumeAndReconstruct(@TempDir Path tmp) throws IOException {
        Path data = idx(tmp, 4);
        Path out = tmp.resolve("run");
        Outcome o = main("pretrain", "--data", data.toString(), "--arch", ARCH, "--input-size", "64", "--batch", "2", "--epochs", "1",
                "--decoder-width", "32", "--warmup-epochs", "0", "--base-lr", "0.05", "--workers", "0", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("epoch 1/1 done"), o.err());
        assertEquals(2, TrainLog.read(out.resolve(Pretrainer.LOG)).size());

        o = main("pretrain", "--data", data.toString(), "--arch", ARCH, "--out", out.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains(out + " already holds a run"), o.err());

        o = main("pretrain", "--resume", "--out", out.toString(), "--epochs", "2");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("resuming at after epoch 1") || o.err().contains("resuming at"), o.err());
        SparkCheckpoint ck = SparkCheckpoint.read(out.resolve(Pretrainer.LAST));
        assertEquals(2, ck.position().epoch());
        assertEquals(2, ck.config().epochs());
        assertEquals(4, TrainLog.read(out.resolve(Pretrainer.LOG)).size());

        o = main("pretrain", "--resume", "--out", out.toString(), "--mask-ratio", "0.5");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--mask-ratio cannot be set when resuming"), o.err());

        Path png = tmp.resolve("grid.png");
        o = main("reconstruct", "--checkpoint", out.resolve(Pretrainer.LAST).toString(), "--images", data.toString(),
                "--out", png.toString(), "--count", "3", "--seed", "4");
        assertEquals(0, o.code(), o.err());
        BufferedImage img = ImageIO.read(png.toFile());
        int cell = 64 * 2;                                   // 64 px enlarged x2 (cells >= 96 px)
        assertEquals(ImageGrid.SEP + 4 * (cell + ImageGrid.SEP), img.getWidth());
        assertEquals(ImageGrid.HEADER + ImageGrid.SEP + 3 * (cell + ImageGrid.SEP), img.getHeight());

        // image files as input, and a bigger input size than trained with
        Path a = tmp.resolve("a.png"), b = tmp.resolve("b.png");
        ImageIO.write(new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB), "png", a.toFile());
        ImageIO.write(new BufferedImage(40, 70, BufferedImage.TYPE_INT_RGB), "png", b.toFile());
        Path png2 = tmp.resolve("files.png");
        o = main("reconstruct", "--checkpoint", out.resolve(Pretrainer.LAST).toString(), "--images", a.toString(), b.toString(),
                "--out", png2.toString(), "--input-size", "96");
        assertEquals(0, o.code(), o.err());
        BufferedImage img2 = ImageIO.read(png2.toFile());
        assertEquals(ImageGrid.SEP + 4 * (96 + ImageGrid.SEP), img2.getWidth());
        assertEquals(ImageGrid.HEADER + ImageGrid.SEP + 2 * (96 + ImageGrid.SEP), img2.getHeight());
    }

    @Test
    void badFlagsNameTheFlagAndValue() {
        Set<String> valued = Set.of("--batch", "--input-size", "--mask-ratio"), none = Set.of();
        var e = assertThrows(IllegalArgumentException.class, () -> new Flags("pretrain", new String[]{"--bach", "3"}, valued, none, none));
        assertEquals("unknown flag --bach (see sparkj pretrain --help)", e.getMessage());
        Flags a = new Flags("pretrain", new String[]{"--batch", "x", "--input-size=100", "--mask-ratio", "1.5"}, valued, none, none);
        e = assertThrows(IllegalArgumentException.class, () -> a.integer("--batch", 1, 1));
        assertEquals("--batch needs an integer, got 'x'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.size("--input-size", 224));
        assertEquals("--input-size must be a positive multiple of 32 (the patch size), got '100'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.number("--mask-ratio", 0.6, 0, 1, true, true));
        assertEquals("--mask-ratio must be in (0.0, 1.0), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Flags("pretrain", new String[]{"--batch"}, valued, none, none));
        assertEquals("--batch needs a value", e.getMessage());
        assertEquals(224, new Flags("x", new String[]{"--input-size", "224"}, valued, none, none).size("--input-size", 64)[1]);
        assertEquals(192, new Flags("x", new String[]{"--input-size", "256x192"}, valued, none, none).size("--input-size", 64)[1]);

        Outcome o = main("pretrain", "--data", "/no/such/folder", "--batch", "2");
        assertEquals(2, o.code());
        assertEquals("sparkj pretrain: --data /no/such/folder: no such folder or file", o.err().strip());
        o = main("pretrain", "--data", "quickstart", "--arch", ARCH, "--input-size", "64", "--batch", "2000", "--epochs", "1",
                "--warmup-epochs", "0.5", "--out", "/tmp/never-written");
        assertEquals(2, o.code());
        assertEquals("sparkj pretrain: --warmup-epochs 0.5 gives 1 warm-up iterations of 2, leaving a cosine phase of a single iteration"
                + " (a division by zero in the schedule); use fewer or more warm-up epochs", o.err().strip());
        o = main("pretrain", "--data", "quickstart", "--model", "resnet5");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--model resnet5 is unknown; known: resnet18"), o.err());
        o = main("reconstruct", "--checkpoint", "nope.safetensors", "--images", "/no/dir", "--out", "x.png");
        assertEquals(2, o.code());
        assertEquals("sparkj reconstruct: --images /no/dir: no such file or folder", o.err().strip());
    }
}
