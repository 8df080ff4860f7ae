package dev.sparkj.spark.data;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DataLoaderTest {
    @TempDir Path dir;

    /** 23 random-looking 28x28 grey images with labels i % 10. */
    private static IdxDataset data() {
        byte[] b = new byte[23 * 28 * 28];
        long x = 12345;
        for (int i = 0; i < b.length; i++) { x = x * 6364136223846793005L + 1442695040888963407L; b[i] = (byte) (x >>> 56); }
        long[] l = new long[23];
        for (int i = 0; i < 23; i++) l[i] = i % 10;
        return new IdxDataset("rand", Tensor.ofBytes(b, DType.U8, 23, 28, 28), Tensor.ofLongs(l, 23), IdxDataset.Fit.PAD, 32, List.of());
    }

    private static List<Batch> run(int workers, int epoch, boolean dropLast) {
        try (DataLoader dl = DataLoader.builder(data()).batchSize(5).workers(workers).prefetch(3).seed(99).dropLast(dropLast)
                .transform(Transforms.pretrain(32, Normalization.FASHION_MNIST)).build()) {
            List<Batch> out = new ArrayList<>();
            for (Batch b : dl.epoch(epoch)) out.add(b);
            assertTrue(dl.imagesPerSecond() > 0);
            return out;
        }
    }

    @Test void sameBatchesForAnyThreadCount() {
        List<Batch> ref = run(0, 3, true);
        assertEquals(4, ref.size());                  // 23 / 5, last 3 dropped
        assertArrayEquals(new int[]{5, 3, 32, 32}, ref.get(0).images().shape());
        for (int workers : new int[]{1, 3}) {
            List<Batch> got = run(workers, 3, true);
            assertEquals(ref.size(), got.size());
            for (int i = 0; i < ref.size(); i++) {
                assertArrayEquals(ref.get(i).indices(), got.get(i).indices());
                assertArrayEquals(ref.get(i).images().toFloatArray(), got.get(i).images().toFloatArray(), 0f, "batch " + i + ", workers " + workers);
                assertArrayEquals(ref.get(i).labels(), got.get(i).labels());
            }
        }
    }

    @Test void epochOrderIsASeededPermutation() {
        List<Batch> e0 = run(2, 0, false), e1 = run(2, 1, false), e1again = run(2, 1, false);
        assertEquals(5, e0.size());                   // keep the last 3
        assertEquals(3, e0.get(4).size());
        Set<Integer> seen = new HashSet<>();
        for (Batch b : e0) for (int i : b.indices()) seen.add(i);
        assertEquals(23, seen.size());
        int[] o0 = e0.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
        int[] o1 = e1.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
        assertFalse(Arrays.equals(o0, o1), "epochs shuffle differently");
        assertArrayEquals(o1, e1again.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray());
        for (Batch b : e0) for (int k = 0; k < b.size(); k++) assertEquals(b.indices()[k] % 10, b.labels()[k]);
    }

    @Test void resumeMidEpochGivesTheSameBatches() {
        List<Batch> all = run(2, 5, true);
        try (DataLoader dl = DataLoader.builder(data()).batchSize(5).workers(2).seed(99)
                .transform(Transforms.pretrain(32, Normalization.FASHION_MNIST)).build()) {
            var it = dl.iterator(5, 2);
            Batch b = it.next();
            assertEquals(2, b.number());
            assertArrayEquals(all.get(2).images().toFloatArray(), b.images().toFloatArray(), 0f);
            assertEquals(3, it.position());
        }
    }

    @Test void corruptFilesAreSkippedAndCounted() throws Exception {
        for (int i = 0; i < 6; i++) TestImages.write(dir.resolve("img" + i + ".png"), TestImages.png(TestImages.rgbPattern(40, 36)));
        Files.write(dir.resolve("img3.png"), "garbage".getBytes());
        Files.write(dir.resolve("img5.png"), new byte[0]);
        ImageFolder f = ImageFolder.open(dir);
        try (DataLoader dl = DataLoader.builder(f).batchSize(4).workers(2).shuffle(false).dropLast(false)
                .transform(Transforms.eval(32, 1.0, Normalization.IMAGENET, Resampling.BICUBIC_PIL)).build()) {
            List<Batch> bs = new ArrayList<>();
            dl.epoch(0).forEach(bs::add);
            assertEquals(2, bs.size());
            assertArrayEquals(new int[]{0, 1, 2}, bs.get(0).indices());
            assertEquals(1, bs.get(0).skipped());
            assertArrayEquals(new int[]{4}, bs.get(1).indices());
            assertEquals(1, bs.get(1).skipped());
            assertEquals(2, dl.skips().count());
            // workers record skips in the order they meet them, so compare as a map
            var reasons = new java.util.TreeMap<String, String>();
            for (SkipLog.Entry e : dl.skips().entries()) reasons.put(e.source(), e.reason());
            assertEquals(Set.of(dir.resolve("img3.png").toString(), dir.resolve("img5.png").toString()), reasons.keySet());
            assertTrue(reasons.get(dir.resolve("img3.png").toString()).startsWith("not a recognised image format"));
            assertEquals("empty file", reasons.get(dir.resolve("img5.png").toString()));
        }
    }

    @Test void closedLoaderRefusesNewEpochs() {
        DataLoader dl = DataLoader.builder(data()).batchSize(4).workers(1).build();
        dl.close();
        assertThrows(IllegalStateException.class, () -> dl.epoch(0).iterator());
    }
}
