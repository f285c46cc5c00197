using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>
/// The running SHA-256 of each upload's bytes, fed as chunks arrive, so that committing a large
/// blob does not read it back from disk (distribution keeps the same state). A hash is trusted only
/// while it covers exactly the bytes on disk: a chunk that failed halfway, or an upload resumed
/// after a restart, has none, and its commit hashes the data file instead.
/// </summary>
public sealed class UploadHashes(TimeProvider clock)
{
    // Uploads a client abandons are never committed: their state goes after this long unused.
    private static readonly TimeSpan Abandoned = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The hash to feed for a chunk starting at <paramref name="offset"/>, or null when none covers the bytes before it.</summary>
    public IncrementalHash? Resume(string id, long offset)
    {
        if (_entries.TryRemove(id, out var entry))
        {
            if (entry.Length == offset) return entry.Hash;
            entry.Hash.Dispose();
            return null;
        }
        return offset == 0 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    /// <summary>Keeps <paramref name="hash"/> as covering the first <paramref name="length"/> bytes of the upload.</summary>
    public void Save(string id, IncrementalHash hash, long length)
    {
        SweepAbandoned();
        if (!_entries.TryAdd(id, new Entry(hash, length, clock.GetUtcNow()))) hash.Dispose();
    }

    /// <summary>The sha256 digest of an upload of <paramref name="length"/> bytes, if the running hash covers exactly them.</summary>
    public Digest? Take(string id, long length)
    {
        if (!_entries.TryRemove(id, out var entry)) return null;
        using var hash = entry.Hash;
        return entry.Length == length ? new Digest(Digest.Sha256Algorithm, Convert.ToHexStringLower(hash.GetHashAndReset())) : null;
    }

    public void Forget(string id)
    {
        if (_entries.TryRemove(id, out var entry)) entry.Hash.Dispose();
    }

    private void SweepAbandoned()
    {
        var cutoff = clock.GetUtcNow() - Abandoned;
        foreach (var (id, entry) in _entries)
            if (entry.LastUsed < cutoff) Forget(id);
    }

    private sealed record Entry(IncrementalHash Hash, long Length, DateTimeOffset LastUsed);
}
