/** One image as the dataset panel shows it. */
export interface DatasetImage {
  readonly id: string;
  /** The original file name. */
  readonly name: string;
  readonly className: string;
  /** The 64 px thumbnail. */
  readonly thumb: Blob;
  /**
   * An object URL for the thumbnail, made on first read and kept until the image is removed:
   * each URL costs the browser a synchronous round trip, too slow to make 5,000 at once.
   */
  readonly thumbUrl: string;
  /** Size of the original image. */
  readonly width: number;
  readonly height: number;
  /** SHA-256 of the original bytes: the same image twice in a class is skipped. */
  readonly hash: string;
}

/** Everything about an image except its (lazily made) thumbnail URL. */
export type ImageFields = Omit<DatasetImage, 'thumbUrl'>;

/**
 * A maker of images whose `thumbUrl` comes from `urlFor` when first read. The getter lives on
 * the prototype, so copying an image with spread would lose it: use `relabel` to change one.
 */
export function imageMaker(urlFor: (id: string, thumb: Blob) => string): {
  make(fields: ImageFields): DatasetImage;
  relabel(image: DatasetImage, className: string): DatasetImage;
} {
  class LazyThumbImage implements DatasetImage {
    readonly id: string;
    readonly name: string;
    readonly className: string;
    readonly thumb: Blob;
    readonly width: number;
    readonly height: number;
    readonly hash: string;
    constructor(f: ImageFields) {
      this.id = f.id;
      this.name = f.name;
      this.className = f.className;
      this.thumb = f.thumb;
      this.width = f.width;
      this.height = f.height;
      this.hash = f.hash;
    }
    get thumbUrl(): string {
      return urlFor(this.id, this.thumb);
    }
  }
  const make = (fields: ImageFields): DatasetImage => new LazyThumbImage(fields);
  return {
    make,
    relabel: (img, className) =>
      make({
        id: img.id,
        name: img.name,
        className,
        thumb: img.thumb,
        width: img.width,
        height: img.height,
        hash: img.hash,
      }),
  };
}
