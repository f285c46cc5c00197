using System.Formats.Tar;
using Berth.Core.Errors;
using Berth.Layers.Archive;

namespace Berth.Engine.Images.Archive;

/// <summary>
/// An untrusted image archive, unpacked for random access without trusting its paths: every
/// regular file is written to &lt;dir&gt;/&lt;sequence number&gt;, and the archive's own names only
/// exist as keys of a map. Symlinks and hardlinks become aliases inside that map (docker save
/// links repeated layers), resolved without touching the filesystem, so no `..`, absolute path
/// or link can reach outside the spool directory.
/// </summary>
internal sealed class ArchiveSpool : IAsyncDisposable
{
    // Manifests, indexes and configs are read into memory; real ones are a few KB.
    private const int MaxMetadataSize = 32 * 1024 * 1024;
    private const int MaxLinkDepth = 16;

    private readonly string _directory;
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    private ArchiveSpool(string directory) => _directory = directory;

    public static async Task<ArchiveSpool> ReadAsync(Stream tar, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var spool = new ArchiveSpool(directory);
        try
        {
            await using var reader = new TarReader(tar, leaveOpen: true);
            var sequence = 0;
            TarEntry? entry;
            while ((entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken)) is not null)
            {
                var name = Normalise(entry.Name);
                if (name is null) continue;
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        var path = Path.Combine(directory, (sequence++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                            if (entry.DataStream is { } data) await data.CopyToAsync(file, 1 << 20, cancellationToken);
                        spool._files[name] = path;
                        spool._links.Remove(name);
                        break;
                    case TarEntryType.SymbolicLink:
                        // Relative to the link's directory; an absolute target is taken from the archive root.
                        var baseDir = entry.LinkName.StartsWith('/') ? "" : ParentOf(name);
                        if (Normalise(baseDir + "/" + entry.LinkName) is { } target) spool._links[name] = target;
                        break;
                    case TarEntryType.HardLink:
                        if (Normalise(entry.LinkName) is { } hardTarget) spool._links[name] = hardTarget;
                        break;
                }
            }
        }
        catch (Exception e) when (ArchiveErrors.IsCorrupt(e))
        {
            await spool.DisposeAsync();
            throw new InvalidParameterException($"invalid archive: {ArchiveErrors.Describe(e)}", e);
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
        return spool;
    }

    public bool Contains(string name) => TryGetPath(name) is not null;

    /// <summary>The spooled file for an archive path (following links), or null.</summary>
    public string? TryGetPath(string name)
    {
        var current = Normalise(name);
        for (var depth = 0; current is not null && depth < MaxLinkDepth; depth++)
        {
            if (_files.TryGetValue(current, out var path)) return File.Exists(path) ? path : null;
            if (!_links.TryGetValue(current, out current)) return null;
        }
        return null;
    }

    public string GetPath(string name) =>
        TryGetPath(name) ?? throw new InvalidParameterException($"invalid archive: {name} not found");

    public async Task<byte[]> ReadSmallAsync(string name, CancellationToken cancellationToken)
    {
        var path = GetPath(name);
        if (new FileInfo(path).Length > MaxMetadataSize)
            throw new InvalidParameterException($"invalid archive: {name} is too large");
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    /// <summary>
    /// Canonical archive path: no leading "/" or "./", no "." parts, ".." resolved. Null for the
    /// root itself; a name climbing above the root is refused.
    /// </summary>
    internal static string? Normalise(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw new InvalidParameterException($"invalid archive: path {name} escapes the archive");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static string ParentOf(string name)
    {
        var slash = name.LastIndexOf('/');
        return slash < 0 ? "" : name[..slash];
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
