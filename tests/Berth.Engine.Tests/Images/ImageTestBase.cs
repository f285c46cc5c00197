using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Content;
using Berth.Engine.Images;
using Berth.Engine.Metadata;

namespace Berth.Engine.Tests.Images;

/// <summary>A fresh data root per test (content store, SQLite, fake layers), removed afterwards.</summary>
public abstract class ImageTestBase : IDisposable
{
    private readonly List<MetadataStore> _databases = [];

    protected ImageTestBase()
    {
        Root = Path.Combine(Path.GetTempPath(), "berth-images-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        (Service, Content, Layers, Usage) = NewDaemon("a");
    }

    protected string Root { get; }
    internal ImageService Service { get; }
    internal ContentStore Content { get; }
    internal FakeLayerStore Layers { get; }
    internal FakeUsage Usage { get; }

    /// <summary>The first daemon's SQLite database.</summary>
    internal MetadataStore Database => _databases[0];

    /// <summary>Another, independent daemon (its own data root) for round trips.</summary>
    internal (ImageService Service, ContentStore Content, FakeLayerStore Layers, FakeUsage Usage) NewDaemon(string name)
    {
        var dataRoot = Path.Combine(Root, name);
        var content = new ContentStore(Path.Combine(dataRoot, "content"));
        var layers = new FakeLayerStore(Path.Combine(dataRoot, "layers"));
        var db = new MetadataStore(Path.Combine(dataRoot, "berth.db"));
        _databases.Add(db);
        var usage = new FakeUsage();
        return (new ImageService(content, layers, db, usage, Path.Combine(dataRoot, "image")), content, layers, usage);
    }

    public void Dispose()
    {
        foreach (var db in _databases) db.Dispose();
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>A tar with the given files (name → content), deterministic.</summary>
    internal static byte[] MakeTar(params (string Name, string Content)[] files)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                };
                writer.WriteEntry(entry);
            }
        }
        return buffer.ToArray();
    }

    internal static byte[] Gzip(byte[] data)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return buffer.ToArray();
    }

    /// <summary>A tar of raw entries (for archives), with optional symlinks.</summary>
    internal static byte[] MakeArchive(IEnumerable<(string Name, byte[] Data)> files, IEnumerable<(string Name, string Target)>? symlinks = null)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in files)
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            foreach (var (name, target) in symlinks ?? [])
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        }
        return buffer.ToArray();
    }

    internal static Dictionary<string, byte[]> ReadArchive(byte[] tar)
    {
        var result = new Dictionary<string, byte[]>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null) { result[entry.Name] = []; continue; }
            var data = new MemoryStream();
            entry.DataStream.CopyTo(data);
            result[entry.Name] = data.ToArray();
        }
        return result;
    }

    internal Task<Image> ImportAsync(ImageService service, byte[] tar, string? reference = null, params string[] changes) =>
        service.ImportAsync(new MemoryStream(tar), new ImportOptions(changes, null, reference, null), CancellationToken.None);
}
