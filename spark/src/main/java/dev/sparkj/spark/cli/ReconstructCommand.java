package dev.sparkj.spark.cli;

import dev.sparkj.spark.ckpt.Checkpoints;
import dev.sparkj.spark.data.Datasets;
import dev.sparkj.spark.data.IdxDataset;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.ImageFolder;
import dev.sparkj.spark.model.MaskGenerator;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.spark.train.PretrainData;
import dev.sparkj.spark.train.Reconstruction;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code sparkj reconstruct}: the reconstruction picture of a spark-style checkpoint (sparkj's
 * {@code ckpt-*.safetensors} or the reference's {@code *_spark_style.pth}) on given images: rows of
 * original | masked | reconstruction | reconstruction with the visible patches pasted back.
 */
final class ReconstructCommand {
    private ReconstructCommand() {}

    static final String USAGE = """
            usage: sparkj reconstruct --checkpoint FILE --images DIR|IDX|FILE... --out grid.png [options]
              --checkpoint FILE   ckpt-*.safetensors from 'sparkj pretrain', or a reference *_spark_style.pth
              --images ...        an image folder, an IDX image file, or image files (.jpg/.png)
              --out FILE          the PNG to write
              --count N           images (rows) to show, the first N (default 8)
              --mask-ratio X      fraction of patches hidden (default: the checkpoint's)
              --seed N            seed of the random mask (default 0)
              --input-size N|HxW  resize to this input size (default: the checkpoint's)
            """;

    static int run(String[] argv) throws Exception {
        if (Flags.helpWanted(argv)) { System.out.print(USAGE); return 0; }
        Flags a = new Flags("reconstruct", argv, Set.of("--checkpoint", "--out", "--count", "--mask-ratio", "--seed", "--input-size"),
                Set.of(), Set.of("--images"));
        Path ckpt = Path.of(a.required("--checkpoint"));
        if (!a.has("--images")) throw new IllegalArgumentException("--images is required (an image folder, an IDX file or image files)");
        Path out = Path.of(a.required("--out"));
        if (!out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png"))
            throw new IllegalArgumentException("--out must name a .png file, got " + out);
        int count = a.integer("--count", 8, 1);
        long seed = a.lng("--seed", 0, Long.MIN_VALUE);
        int size = 0;
        if (a.has("--input-size")) {
            int[] s = a.size("--input-size", 0);
            if (s[0] != s[1]) throw new IllegalArgumentException("--input-size must be square for reconstruct, got " + a.str("--input-size", null));
            size = s[0];
        }
        ImageDataset images = images(a.list("--images"));
        Checkpoints.Loaded loaded = Checkpoints.loadSpark(ckpt, size);
        SparK model = loaded.model();
        double ratio = a.number("--mask-ratio", model.maskRatio(), 0, 1, true, true);
        int h = model.gridH() * model.patchSize(), w = model.gridW() * model.patchSize();
        Tensor batch = Reconstruction.firstImages(images, count, PretrainData.display(h, w, loaded.norm()));
        if (batch == null) throw new IllegalArgumentException("none of the --images could be read");
        Tensor active = new MaskGenerator(model.gridH(), model.gridW(), ratio).sample(batch.shape(0), new Rng(seed));
        Reconstruction.write(out, model, batch, active, loaded.norm());
        System.out.println("wrote " + out + ": " + batch.shape(0) + " images at " + h + "x" + w + ", mask ratio " + ratio + ", " + loaded.description());
        return 0;
    }

    static ImageDataset images(List<String> values) throws java.io.IOException {
        if (values.size() == 1) {
            Path p = Path.of(values.getFirst());
            if (Files.isDirectory(p)) return ImageFolder.open(p);
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--images " + p + ": no such file or folder");
            if (!ImageFolder.isImageName(p.getFileName().toString())) {
                try {
                    return Datasets.idx(p, null, IdxDataset.Fit.PAD);
                } catch (java.io.IOException | RuntimeException e) {
                    throw new IllegalArgumentException("--images " + p + " is neither an image (.jpg/.png) nor an IDX file: " + e.getMessage(), e);
                }
            }
        }
        List<Path> files = new ArrayList<>();
        for (String v : values) {
            Path p = Path.of(v);
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--images " + v + ": no such file");
            if (!ImageFolder.isImageName(p.getFileName().toString()))
                throw new IllegalArgumentException("--images " + v + ": not a .jpg/.jpeg/.png file (give one folder or IDX file, or image files)");
            files.add(p);
        }
        return new ImageFiles(files);
    }
}
