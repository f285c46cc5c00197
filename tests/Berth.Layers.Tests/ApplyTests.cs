using System.Formats.Tar;
using System.Security.Cryptography;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Interop;
using static Berth.Layers.Tests.Tars;

namespace Berth.Layers.Tests;

public sealed class ApplyTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _root;
    private readonly LayerStore _store;

    public ApplyTests()
    {
        _root = Path.Combine(_temp.Path, "layers");
        _store = new LayerStore(_root);
    }

    public void Dispose() => _temp.Dispose();

    private Task<Layer> Apply(byte[] archive, Layer? parent = null, Digest? expected = null) =>
        _store.ApplyAsync(parent, new MemoryStream(archive), expected, CancellationToken.None);

    [Fact]
    public async Task RegularFileKeepsContentModeOwnerMtimeAndXattrs()
    {
        var mtime = new DateTimeOffset(2020, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var layer = await Apply(Build(
            File("bin/su", "root!", mode: 0b100_111_101_101, uid: 1000, gid: 1001, mtime: mtime,
                xattrs: new() { ["user.note"] = "hello" })));

        var path = Path.Combine(layer.DiffPath, "bin/su");
        Assert.Equal("root!", await System.IO.File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var stat = LStat(path);
        Assert.Equal(0b100_111_101_101u, stat.Mode & 0xFFFu); // setuid survives the chown
        Assert.Equal(1000u, stat.Uid);
        Assert.Equal(1001u, stat.Gid);
        Assert.Equal(mtime.ToUnixTimeSeconds(), stat.MTime.Seconds);
        Assert.Equal(678_000_000u, stat.MTime.Nanoseconds);
        Assert.Equal("hello", Xattr(path, "user.note"));
        Assert.Equal(5, layer.Size);
    }

    [Fact]
    public async Task SymlinksAreCreatedNotFollowed()
    {
        var layer = await Apply(Build(Symlink("etc/localtime", "/usr/share/zoneinfo/UTC", uid: 7, gid: 8)));
        var path = Path.Combine(layer.DiffPath, "etc/localtime");
        var stat = LStat(path);
        Assert.Equal(Libc.FileTypes.Symlink, stat.FileType);
        Assert.Equal(7u, stat.Uid);
        Assert.Equal(Time.ToUnixTimeSeconds(), stat.MTime.Seconds);
        Assert.Equal("/usr/share/zoneinfo/UTC", new FileInfo(path).LinkTarget);
    }

    [Fact]
    public async Task HardlinksShareTheInode()
    {
        var layer = await Apply(Build(File("a/one", "same"), HardLink("b/two", "a/one")));
        var one = LStat(Path.Combine(layer.DiffPath, "a/one"));
        var two = LStat(Path.Combine(layer.DiffPath, "b/two"));
        Assert.Equal(one.Ino, two.Ino);
        Assert.Equal(2u, two.NLink);
    }

    [Fact]
    public async Task WhiteoutsBecomeOverlayWhiteoutsAndOpaqueDirs()
    {
        var layer = await Apply(Build(Dir("etc/"), Whiteout("etc/.wh.passwd"), Dir("var/"), Whiteout("var/.wh..wh..opq"),
            Device(TarEntryType.CharacterDevice, "dev/null", 1, 3), Device(TarEntryType.Fifo, "run/fifo", 0, 0)));

        var whiteout = LStat(Path.Combine(layer.DiffPath, "etc/passwd"));
        Assert.Equal(Libc.FileTypes.Char, whiteout.FileType);
        Assert.Equal((0u, 0u), (whiteout.RDevMajor, whiteout.RDevMinor));
        Assert.False(System.IO.File.Exists(Path.Combine(layer.DiffPath, "etc/.wh.passwd")));
        Assert.Equal("y", Xattr(Path.Combine(layer.DiffPath, "var"), "trusted.overlay.opaque"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(layer.DiffPath, "var")));
        var device = LStat(Path.Combine(layer.DiffPath, "dev/null"));
        Assert.Equal((Libc.FileTypes.Char, 1u, 3u), (device.FileType, device.RDevMajor, device.RDevMinor));
        Assert.Equal(Libc.FileTypes.Fifo, LStat(Path.Combine(layer.DiffPath, "run/fifo")).FileType);
    }

    [Fact]
    public async Task EntriesBeforeTheirParentsAndDirectoryMetadataSticks()
    {
        var dirTime = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var layer = await Apply(Build(
            File("a/b/c/file", "deep"),
            Dir("a/", mode: 0b111_000_000, uid: 5, mtime: dirTime),
            File("a/later", "written after the dir entry")));

        Assert.Equal("deep", await System.IO.File.ReadAllTextAsync(Path.Combine(layer.DiffPath, "a/b/c/file"), TestContext.Current.CancellationToken));
        var a = LStat(Path.Combine(layer.DiffPath, "a"));
        Assert.Equal(0b111_000_000u, a.Mode & 0xFFFu);
        Assert.Equal(5u, a.Uid);
        Assert.Equal(dirTime.ToUnixTimeSeconds(), a.MTime.Seconds);
    }

    [Fact]
    public async Task DuplicateEntriesLaterWins()
    {
        var layer = await Apply(Build(
            File("x", "one"), File("x", "two"),
            Dir("y/"), File("y/inner", "gone"), File("y", "file now"),
            File("z", "file"), Dir("z/")));

        Assert.Equal("two", await System.IO.File.ReadAllTextAsync(Path.Combine(layer.DiffPath, "x"), TestContext.Current.CancellationToken));
        Assert.Equal("file now", await System.IO.File.ReadAllTextAsync(Path.Combine(layer.DiffPath, "y"), TestContext.Current.CancellationToken));
        Assert.True(Directory.Exists(Path.Combine(layer.DiffPath, "z")));
    }

    [Fact]
    public async Task DiffIdIsSha256OfTheWholeUncompressedTarWhateverTheCompression()
    {
        var tar = Build(Dir("data/"), File("data/blob", new string('x', 100_000)));
        // Real tars are padded to a 10 KiB record after the end marker; the diff ID covers that too.
        var padded = new byte[(tar.Length + 10239) / 10240 * 10240 + 10240];
        tar.CopyTo(padded, 0);
        var expected = Digest.Compute(padded);

        var plain = await Apply(padded);
        Assert.Equal(expected, plain.DiffId);
        Assert.Equal(expected, plain.ChainId);
        Assert.Equal(expected, (await new LayerStore(_temp.Sub("gz")).ApplyAsync(null, new MemoryStream(Gzip(padded)), null, TestContext.Current.CancellationToken)).DiffId);
        Assert.Equal(expected, (await new LayerStore(_temp.Sub("zst")).ApplyAsync(null, new MemoryStream(Zstd(padded)), null, TestContext.Current.CancellationToken)).DiffId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(padded)), plain.DiffId.Hex);
    }

    [Fact]
    public async Task GnuTarArchivesWithLongNamesApply()
    {
        // A tar from another writer: GNU long names, 10 KiB record padding, xattrs in PAX.
        var source = _temp.Sub("src");
        var longDir = Path.Combine(source, new string('d', 120), new string('e', 120));
        Directory.CreateDirectory(longDir);
        await System.IO.File.WriteAllTextAsync(Path.Combine(longDir, "file"), "long", TestContext.Current.CancellationToken);
        Assert.Equal(0, Libc.Chmod(Path.Combine(longDir, "file"), 0b101_000_000));
        var archive = Path.Combine(_temp.Path, "gnu.tar");
        foreach (var format in new[] { "gnu", "posix" })
        {
            using (var tar = System.Diagnostics.Process.Start("tar", ["--format=" + format, "-C", source, "-cf", archive, "."]))
            {
                await tar.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, tar.ExitCode);
            }
            var bytes = await System.IO.File.ReadAllBytesAsync(archive, TestContext.Current.CancellationToken);
            var layer = await new LayerStore(_temp.Sub(format)).ApplyAsync(null, new MemoryStream(bytes), null, TestContext.Current.CancellationToken);
            Assert.Equal(Digest.Compute(bytes), layer.DiffId);
            var file = Path.Combine(layer.DiffPath, new string('d', 120), new string('e', 120), "file");
            Assert.Equal("long", await System.IO.File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            Assert.Equal(0b101_000_000u, LStat(file).Mode & 0xFFFu);
        }
    }

    [Fact]
    public async Task LayersChainAndLowerDirsAreTopmostFirst()
    {
        var bottom = await Apply(Build(File("a", "0")));
        var top = await Apply(Build(File("b", "1")), bottom);
        Assert.Equal(ChainIds.Compute(bottom.ChainId, top.DiffId), top.ChainId);
        Assert.Equal(bottom.ChainId, top.Parent);
        Assert.Equal([top.DiffPath, bottom.DiffPath], _store.GetLowerDirs(top.ChainId));
        Assert.Equal(Path.Combine(_root, top.ChainId.Hex, "diff"), top.DiffPath);

        // A fresh store reads the same layer back from disk.
        var reread = new LayerStore(_root).Get(top.ChainId);
        Assert.Equal(top, reread);
    }

    [Fact]
    public async Task ApplyIsIdempotentAndConcurrentAppliesAgree()
    {
        var tar = Build(File("f", new string('q', 1 << 20)));
        var first = await Apply(tar);
        var again = await Apply(tar);
        Assert.Equal(first, again);

        var other = new LayerStore(_temp.Sub("race"));
        var racers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => other.ApplyAsync(null, new MemoryStream(tar), null, default))));
        Assert.All(racers, layer => Assert.Equal(first.ChainId, layer.ChainId));
        Assert.Equal(2, Directory.GetFileSystemEntries(other.Root).Length); // the layer and tmp
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(other.Root, "tmp")));
    }

    [Fact]
    public async Task KnownDiffIdSkipsUnpackingAndWrongDiffIdKeepsNothing()
    {
        var tar = Build(File("f", "x"));
        var wrong = Digest.Compute("not this"u8);
        await Assert.ThrowsAsync<InvalidParameterException>(() => Apply(tar, expected: wrong));
        AssertNoLayers(_root);

        var layer = await Apply(tar, expected: Digest.Compute(tar));
        // Already present: the stream is not even read.
        Assert.Equal(layer, await _store.ApplyAsync(null, new MemoryStream([1, 2, 3]), layer.DiffId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TruncatedGzipLeavesNoLayer()
    {
        var random = new byte[300_000];
        Random.Shared.NextBytes(random);
        var gz = Gzip(Build(File("first", "ok"), new PaxTarEntry(TarEntryType.RegularFile, "big") { DataStream = new MemoryStream(random) }));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Apply(gz[..(gz.Length / 2)]));
        Assert.IsType<Berth.Core.Errors.InvalidParameterException>(error);
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task TruncatedTarIsAnUnexpectedEof()
    {
        var tar = Build(File("first", new string('x', 5000)));
        var error = await Assert.ThrowsAsync<Berth.Core.Errors.InvalidParameterException>(() => Apply(tar[..1000]));
        // Go's words, not .NET's resource key (IO_EOF_ReadBeyondEOF in the NativeAOT daemon).
        Assert.Equal("invalid layer archive: unexpected EOF", error.Message);
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task CancelledApplyLeavesNoLayer()
    {
        using var cts = new CancellationTokenSource();
        var tar = Build(Enumerable.Range(0, 50).Select(i => (TarEntry)File($"f{i}", new string('c', 10_000))).ToArray());
        var source = new CancellingStream(tar, cts, cancelAfter: tar.Length / 2);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ApplyAsync(null, source, null, cts.Token));
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task DeleteRemovesTheLayerOnly()
    {
        var bottom = await Apply(Build(File("a", "0")));
        var top = await Apply(Build(File("b", "1")), bottom);
        await _store.DeleteAsync(top.ChainId, TestContext.Current.CancellationToken);
        Assert.Null(_store.Get(top.ChainId));
        Assert.False(Directory.Exists(Path.Combine(_root, top.ChainId.Hex)));
        Assert.NotNull(_store.Get(bottom.ChainId));
        await _store.DeleteAsync(top.ChainId, TestContext.Current.CancellationToken); // already gone: fine
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public void StaleTempDirsAreRemovedOnStart()
    {
        var stale = Path.Combine(_root, "tmp", "interrupted", "diff");
        Directory.CreateDirectory(stale);
        System.IO.File.WriteAllText(Path.Combine(stale, "half"), "written");
        _ = new LayerStore(_root);
        AssertNoLayers(_root);
    }

    /// <summary>Cancels the token once the reader is past a given offset.</summary>
    private sealed class CancellingStream(byte[] data, CancellationTokenSource cts, int cancelAfter) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position > cancelAfter) cts.Cancel();
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);
        }
    }
}
