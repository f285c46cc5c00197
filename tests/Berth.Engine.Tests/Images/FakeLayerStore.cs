using Berth.Layers.Archive;
using System.Collections.Concurrent;
using System.Formats.Tar;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;
using Berth.Engine.Images.Archive;
using Berth.Layers;

namespace Berth.Engine.Tests.Images;

/// <summary>
/// In-memory ILayerStore for image tests: computes the diff ID (sha256 of the uncompressed tar)
/// and the OCI chain ID, checks the tar parses, and records the size of its file contents.
/// </summary>
internal sealed class FakeLayerStore(string root) : ILayerStore
{
    public ConcurrentDictionary<Digest, Layer> Layers { get; } = new();
    public List<Digest> Deleted { get; } = [];

    public async Task<Layer> ApplyAsync(Layer? parent, Stream archive, Digest? expectedDiffId, CancellationToken cancellationToken)
    {
        var (_, tar) = await Compression.OpenDecompressedAsync(archive, cancellationToken, leaveOpen: true);
        var buffer = new MemoryStream();
        await using (tar) await tar.CopyToAsync(buffer, cancellationToken);
        var diffId = Digest.Compute(buffer.ToArray());
        if (expectedDiffId is { } expected && expected != diffId)
            throw new InvalidParameterException($"layer diff ID mismatch: expected {expected}, got {diffId}");

        long size = 0;
        buffer.Position = 0;
        try
        {
            using var reader = new TarReader(buffer);
            while (reader.GetNextEntry() is { } entry) size += entry.Length;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidParameterException("not a tar: " + e.Message);
        }

        var chainId = ChainIds.Compute(parent?.ChainId, diffId);
        return Layers.GetOrAdd(chainId, id => new Layer(id, diffId, parent?.ChainId, size, Path.Combine(root, id.Hex, "diff")));
    }

    public Layer? Get(Digest chainId) => Layers.TryGetValue(chainId, out var layer) ? layer : null;

    public IReadOnlyList<string> GetLowerDirs(Digest chainId) => throw new NotSupportedException();

    public Task DeleteAsync(Digest chainId, CancellationToken cancellationToken)
    {
        Layers.TryRemove(chainId, out _);
        lock (Deleted) Deleted.Add(chainId);
        return Task.CompletedTask;
    }

    public Task WriteDiffAsync(string upperDir, Stream destination, CancellationToken cancellationToken) => throw new NotSupportedException();
}

internal sealed class FakeUsage : IImageUsage
{
    public Dictionary<Digest, List<(string, bool)>> Users { get; } = [];

    public IReadOnlyList<(string ContainerId, bool Running)> ContainersUsing(Digest imageId) =>
        Users.TryGetValue(imageId, out var users) ? users : [];
}
