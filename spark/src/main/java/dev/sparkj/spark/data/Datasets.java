package dev.sparkj.spark.data;

import dev.sparkj.tensor.io.IdxReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/** Entry points to the datasets sparkj knows: the bundled quickstart slice, image folders, IDX files. */
public final class Datasets {
    private Datasets() {}

    /** Fashion-MNIST's class names, indexed by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Classpath folder of the bundled quickstart data (see its README.md). */
    public static final String QUICKSTART_RESOURCE = "/dev/sparkj/spark/quickstart/";
    static final String QUICKSTART_IMAGES = "fashion-mnist-4k-images-idx3-ubyte.gz";
    static final String QUICKSTART_LABELS = "fashion-mnist-4k-labels-idx1-ubyte.gz";

    /**
     * The bundled quickstart data: the first 4000 Fashion-MNIST training images with labels, read
     * from the classpath (works offline, from the jar or the build tree), zero-padded 28 -> 32.
     * Normalise it with {@link Normalization#FASHION_MNIST}.
     */
    public static IdxDataset quickstart() throws IOException {
        return quickstart(IdxDataset.Fit.PAD);
    }

    /** The bundled quickstart data with the given fit to 32 pixels. */
    public static IdxDataset quickstart(IdxDataset.Fit fit) throws IOException {
        return new IdxDataset("fashion-mnist-4k", resource(QUICKSTART_IMAGES), resource(QUICKSTART_LABELS), fit, 32, FASHION_MNIST_CLASSES);
    }

    private static dev.sparkj.tensor.Tensor resource(String file) throws IOException {
        try (InputStream in = Datasets.class.getResourceAsStream(QUICKSTART_RESOURCE + file)) {
            if (in == null) throw new IOException("bundled quickstart data missing from the classpath: " + QUICKSTART_RESOURCE + file);
            return IdxReader.read(in, file);
        }
    }

    /** A folder of images (flat or with class sub-folders). */
    public static ImageFolder folder(Path root) throws IOException {
        return ImageFolder.open(root);
    }

    /** IDX images (and labels, may be null; class names unknown) fitted to multiples of 32. */
    public static IdxDataset idx(Path images, Path labels, IdxDataset.Fit fit) throws IOException {
        return IdxDataset.read(images, labels, fit, 32, List.of());
    }
}
