package dev.sparkj.spark.train;

import dev.sparkj.spark.data.CenterCrop;
import dev.sparkj.spark.data.Datasets;
import dev.sparkj.spark.data.IdxDataset;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.data.RandomResizedCrop;
import dev.sparkj.spark.data.HorizontalFlip;
import dev.sparkj.spark.data.Resampling;
import dev.sparkj.spark.data.ResizeShorter;
import dev.sparkj.spark.data.Transform;
import dev.sparkj.spark.data.Transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The pre-training data of a run: the dataset a {@code data} source names, its default normalisation and the transforms. */
public final class PretrainData {
    private PretrainData() {}

    /**
     * Opens {@code source}: {@value PretrainConfig#QUICKSTART_DATA} (the bundled Fashion-MNIST sample), a folder
     * of images (flat or class sub-folders), or an IDX image file ({@code .gz} allowed; zero-padded to 32).
     */
    public static ImageDataset open(String source) throws IOException {
        if (source.equals(PretrainConfig.QUICKSTART_DATA)) return Datasets.quickstart();
        Path p = Path.of(source);
        if (Files.isDirectory(p)) return Datasets.folder(p);
        if (Files.isRegularFile(p)) {
            try {
                return Datasets.idx(p, null, IdxDataset.Fit.PAD);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("--data " + source + " is a file but not a readable IDX image file ("
                        + e.getMessage() + "); give an image folder or an IDX file such as train-images-idx3-ubyte.gz", e);
            }
        }
        throw new IllegalArgumentException("--data " + source + ": no such folder or file");
    }

    /**
     * The normalisation a source gets unless one is given: Fashion-MNIST's statistics for the quickstart sample,
     * ImageNet's for image folders (as the reference), measured on up to 1000 images for IDX files.
     */
    public static Normalization defaultNormalization(String source, ImageDataset data) {
        if (source.equals(PretrainConfig.QUICKSTART_DATA)) return Normalization.FASHION_MNIST;
        if (data instanceof IdxDataset) return Normalization.measure(data, 1000);
        return Normalization.IMAGENET;
    }

    /** Training augmentation: SparK's RandomResizedCrop + flip + normalise ({@code H x W} by a centre crop of the square when they differ). */
    public static Transform train(PretrainConfig c) {
        if (c.inputH() == c.inputW()) return Transforms.pretrain(c.inputH(), c.normalization());
        return RandomResizedCrop.spark(Math.max(c.inputH(), c.inputW()), Resampling.BICUBIC_PIL)
                .then(new CenterCrop(c.inputH(), c.inputW())).then(new HorizontalFlip(0.5)).then(c.normalization());
    }

    /** Deterministic view for pictures: shorter side resized to fit, centre crop {@code H x W}, normalise. */
    public static Transform display(PretrainConfig c) {
        return display(c.inputH(), c.inputW(), c.normalization());
    }

    /** Deterministic view for pictures at {@code h x w}. */
    public static Transform display(int h, int w, Normalization norm) {
        return new ResizeShorter(Math.max(h, w), Resampling.BICUBIC_PIL).then(new CenterCrop(h, w)).then(norm);
    }
}
