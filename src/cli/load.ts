// A part of the program loaded only when a command needs it (docs/layout.md, "Start-up"): one that
// cannot be loaded means a broken installation, said in one line instead of a loader's stack.

/** A file of the installation is missing or unreadable: nothing was done. */
export class BrokenInstallation extends Error {}

export async function load<T>(what: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    throw new BrokenInstallation(
      `cannot load ${what} (${(err as Error).message}): the installation is incomplete; build or install it again`,
      { cause: err },
    );
  }
}
