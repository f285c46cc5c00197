using Berth.Core.Digests;

namespace Berth.Layers;

/// <summary>
/// An unpacked layer: the files of one layer tar in overlayfs form, stored once under
/// layers/&lt;chain-id hex&gt;/diff and shared by every image and container built on it.
/// </summary>
/// <param name="ChainId">Identity of the layer stack up to and including this layer (OCI image-spec chain ID).</param>
/// <param name="DiffId">sha256 of this layer's uncompressed tar.</param>
/// <param name="Parent">Chain ID of the layer below, null for a base layer.</param>
/// <param name="Size">Bytes of file content in this layer (what docker reports as layer size).</param>
/// <param name="DiffPath">Absolute path of the unpacked directory (an overlayfs lower dir).</param>
public sealed record Layer(Digest ChainId, Digest DiffId, Digest? Parent, long Size, string DiffPath);

/// <summary>
/// Layer store. Lifecycle: apply (unpack a tar into a temporary directory, converting
/// whiteouts to overlayfs form, computing the diff ID while it streams, then renaming into
/// place: a layer is either complete or absent) → get / lower dirs (mount) → delete (by the
/// image service when nothing references the chain any more).
/// Every archive is untrusted: no entry may land outside the layer directory.
/// </summary>
public interface ILayerStore
{
    /// <summary>
    /// Unpacks <paramref name="archive"/> (plain tar, gzip or zstd; detected from its magic bytes)
    /// as a layer on top of <paramref name="parent"/>. When the resulting chain already exists the
    /// unpacked copy is discarded and the existing layer returned. When <paramref name="expectedDiffId"/>
    /// is given and differs from the tar's digest, nothing is kept and InvalidParameterException is thrown.
    /// </summary>
    Task<Layer> ApplyAsync(Layer? parent, Stream archive, Digest? expectedDiffId, CancellationToken cancellationToken);

    /// <summary>The layer with this chain ID, or null.</summary>
    Layer? Get(Digest chainId);

    /// <summary>The diff dirs of the chain, topmost first: the overlayfs lowerdir list.</summary>
    IReadOnlyList<string> GetLowerDirs(Digest chainId);

    /// <summary>Deletes one layer (not its parents). The caller ensures nothing references it.</summary>
    Task DeleteAsync(Digest chainId, CancellationToken cancellationToken);

    /// <summary>Every stored layer's chain ID and when its directory last changed (for the garbage collector).</summary>
    IEnumerable<(Digest ChainId, DateTime ModifiedUtc)> List() => [];

    /// <summary>
    /// The quick, crash-safe half of a delete: renames the layer out of sight (into tmp/, which a
    /// start empties) and returns the slow half, removing the files, to run later; null when absent.
    /// </summary>
    Func<Task>? Detach(Digest chainId)
    {
        if (Get(chainId) is null) return null;
        DeleteAsync(chainId, CancellationToken.None).GetAwaiter().GetResult();
        return () => Task.CompletedTask;
    }

    /// <summary>Removes what tmp/ holds that no unpack or delete in progress owns; returns how many entries.</summary>
    int RemoveStaleTemp() => 0;

    /// <summary>
    /// Writes a tar of the changes in an overlayfs upper dir (a container's), converting
    /// overlayfs whiteouts and opaque dirs back to .wh. entries: the input for commit and build.
    /// </summary>
    Task WriteDiffAsync(string upperDir, Stream destination, CancellationToken cancellationToken);
}
