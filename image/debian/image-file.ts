// One file of a built image, as image.json names it.
export interface ImageFile {
  file: string;   // a plain file name in the image's folder
  size: number;
  sha256: string;
}
