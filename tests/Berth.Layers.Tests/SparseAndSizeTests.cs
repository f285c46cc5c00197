using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Berth.Core.Errors;
using static Berth.Layers.Tests.Tars;

namespace Berth.Layers.Tests;

/// <summary>
/// GNU sparse files (PAX 1.0 and 0.1 unpacked as sparse files; old GNU 'S' and PAX 0.0 refused
/// with a 400), hostile sparse maps, and headers whose size the archive does not back.
/// </summary>
public sealed class SparseAndSizeTests : IDisposable
{
    private const long SparseLength = 8 * 1024 * 1024 + 4;
    private readonly TempDir _temp = new();
    private readonly string _root;
    private readonly LayerStore _store;

    public SparseAndSizeTests()
    {
        _root = Path.Combine(_temp.Path, "layers");
        _store = new LayerStore(_root);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>An 8 MiB file that is mostly holes, with data at its start, middle and end.</summary>
    private (string Dir, byte[] Content) MakeSparseSource()
    {
        var dir = _temp.Sub("src");
        var content = new byte[SparseLength];
        var random = new byte[70_000];
        new Random(7).NextBytes(random);
        random.CopyTo(content, 3 * 1024 * 1024);
        "hello"u8.CopyTo(content.AsSpan(1024 * 1024));
        "world"u8.CopyTo(content.AsSpan(5_000_000));
        "end\n"u8.CopyTo(content.AsSpan((int)SparseLength - 4));
        using (var file = new FileStream(Path.Combine(dir, "sparse.bin"), FileMode.CreateNew))
        {
            file.SetLength(SparseLength);
            foreach (var (offset, length) in new (long, int)[] { (1024 * 1024, 5), (3 * 1024 * 1024, random.Length), (5_000_000, 5), (SparseLength - 4, 4) })
            {
                file.Position = offset;
                file.Write(content, (int)offset, length);
            }
        }
        Assert.True(LStat(Path.Combine(dir, "sparse.bin")).Blocks * 512 < 1024 * 1024, "the test's own source file is not sparse");
        return (dir, content);
    }

    private static byte[] GnuTar(string dir, params string[] options)
    {
        var start = new ProcessStartInfo("tar") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var option in options) start.ArgumentList.Add(option);
        foreach (var arg in new[] { "-cf", "-", "-C", dir, "sparse.bin" }) start.ArgumentList.Add(arg);
        using var tar = Process.Start(start)!;
        var output = new MemoryStream();
        var stderr = tar.StandardError.ReadToEndAsync();
        tar.StandardOutput.BaseStream.CopyTo(output);
        tar.WaitForExit();
        Assert.True(tar.ExitCode == 0, stderr.Result);
        return output.ToArray();
    }

    private async Task AssertSparseRoundTrip(params string[] tarOptions)
    {
        var (dir, content) = MakeSparseSource();
        var archive = GnuTar(dir, tarOptions);
        Assert.Contains("GNUSparseFile", Encoding.ASCII.GetString(archive));

        var layer = await _store.ApplyAsync(null, new MemoryStream(archive), null, CancellationToken.None);

        Assert.Equal(["sparse.bin"], Directory.GetFileSystemEntries(layer.DiffPath).Select(Path.GetFileName));
        var path = Path.Combine(layer.DiffPath, "sparse.bin");
        var stat = LStat(path);
        Assert.Equal((ulong)SparseLength, stat.Size);
        Assert.True(stat.Blocks * 512 < 1024 * 1024, $"unpacked file allocates {stat.Blocks * 512} bytes: holes were written");
        var unpacked = await System.IO.File.ReadAllBytesAsync(path);
        Assert.True(content.AsSpan().SequenceEqual(unpacked), "content differs");
        Assert.Equal(0b110_100_100u, stat.Mode & 0xFFFu);
        Assert.Equal(SparseLength, layer.Size);
    }

    [Fact]
    public Task GnuTarPaxSparse10RoundTripsAsASparseFile() => AssertSparseRoundTrip("--sparse", "--format=posix");

    [Fact]
    public Task GnuTarPaxSparse01RoundTripsAsASparseFile() => AssertSparseRoundTrip("--sparse", "--sparse-version=0.1", "--format=posix");

    [Fact]
    public async Task GnuTarPaxSparse00IsABadRequest()
    {
        var (dir, _) = MakeSparseSource();
        var archive = GnuTar(dir, "--sparse", "--sparse-version=0.0", "--format=posix");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, new MemoryStream(archive), null, TestContext.Current.CancellationToken));
        Assert.Contains("repeats a record, as GNU sparse format 0.0 does", error.Message);
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task OldGnuSparseIsABadRequestNamingTheProblem()
    {
        var (dir, _) = MakeSparseSource();
        var archive = GnuTar(dir, "--sparse", "--format=gnu");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, new MemoryStream(archive), null, TestContext.Current.CancellationToken));
        Assert.Contains("old GNU sparse file (tar type 'S')", error.Message);
        Assert.DoesNotContain(_root, error.Message);
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task OldGnuSparseAfterOtherEntriesNamesThePreviousEntry()
    {
        var (dir, _) = MakeSparseSource();
        System.IO.File.WriteAllText(Path.Combine(dir, "a.txt"), "a");
        var start = new ProcessStartInfo("tar") { RedirectStandardOutput = true };
        foreach (var arg in new[] { "--sparse", "--format=gnu", "-cf", "-", "-C", dir, "a.txt", "sparse.bin" }) start.ArgumentList.Add(arg);
        using var tar = Process.Start(start)!;
        var archive = new MemoryStream();
        tar.StandardOutput.BaseStream.CopyTo(archive);
        tar.WaitForExit();
        archive.Position = 0;
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, archive, null, TestContext.Current.CancellationToken));
        Assert.Contains("after \"a.txt\"", error.Message);
        AssertNoLayers(_root);
    }

    private static PaxTarEntry Sparse(string placeholder, Dictionary<string, string> records, byte[] data)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, placeholder, records)
        {
            Mode = (UnixFileMode)0b110_100_100,
            ModificationTime = Time,
            DataStream = new MemoryStream(data),
        };
        return entry;
    }

    private static byte[] MapText(string lines)
    {
        var text = Encoding.ASCII.GetBytes(lines);
        var padded = new byte[(text.Length + 511) / 512 * 512];
        text.CopyTo(padded, 0);
        return padded;
    }

    private static Dictionary<string, string> V10(string name, long realSize) => new()
    {
        ["GNU.sparse.major"] = "1",
        ["GNU.sparse.minor"] = "0",
        ["GNU.sparse.name"] = name,
        ["GNU.sparse.realsize"] = realSize.ToString(),
    };

    [Fact]
    public async Task HandBuiltSparse10WithAnEmptyMapIsAllHole()
    {
        var layer = await _store.ApplyAsync(null, new MemoryStream(Build(
            Sparse("GNUSparseFile.0/big", V10("big", 1L << 40), MapText("0\n")))), null, TestContext.Current.CancellationToken);
        var stat = LStat(Path.Combine(layer.DiffPath, "big"));
        Assert.Equal(1UL << 40, stat.Size);
        Assert.Equal(0UL, stat.Blocks);
    }

    public static TheoryData<string, Dictionary<string, string>, byte[]> HostileMaps() => new()
    {
        { "beyond the file's size", V10("f", 10), [.. MapText("1\n8\n4\n"), .. "abcd"u8.ToArray()] },
        { "overlap", V10("f", 100), [.. MapText("2\n0\n4\n2\n4\n"), .. "abcdefgh"u8.ToArray()] },
        { "describes 8 bytes", V10("f", 100), [.. MapText("1\n0\n8\n"), .. "abcd"u8.ToArray()] },
        { "not decimal", V10("f", 100), [.. MapText("1\n-1\n4\n"), .. "abcd"u8.ToArray()] },
        { "too many regions", V10("f", 100), MapText("99999999\n") },
        { "runs past", V10("f", 100), Encoding.ASCII.GetBytes("200\n" + string.Concat(Enumerable.Repeat("0\n", 254))) },
        { "number too large", V10("f", 100), [.. MapText("1\n0\n99999999999999999999\n")] },
        { "GNU.sparse.realsize is not a valid size", new() { ["GNU.sparse.major"] = "1", ["GNU.sparse.minor"] = "0", ["GNU.sparse.name"] = "f", ["GNU.sparse.realsize"] = "-5" }, MapText("0\n") },
        { "without GNU.sparse.name", new() { ["GNU.sparse.major"] = "1", ["GNU.sparse.minor"] = "0", ["GNU.sparse.realsize"] = "5" }, MapText("0\n") },
        { "format 2.0 is not supported", new() { ["GNU.sparse.major"] = "2", ["GNU.sparse.minor"] = "0", ["GNU.sparse.name"] = "f" }, [] },
        { "format 0.0", new() { ["GNU.sparse.offset"] = "0", ["GNU.sparse.numbytes"] = "4", ["GNU.sparse.name"] = "f", ["GNU.sparse.size"] = "4" }, "abcd"u8.ToArray() },
        { "odd number", new() { ["GNU.sparse.map"] = "0,4,8", ["GNU.sparse.name"] = "f", ["GNU.sparse.size"] = "100" }, "abcd"u8.ToArray() },
        { "describes 4 bytes", new() { ["GNU.sparse.map"] = "0,4", ["GNU.sparse.name"] = "f", ["GNU.sparse.size"] = "100" }, "abcdefgh"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(HostileMaps))]
    public async Task HostileSparseEntriesAreBadRequests(string expected, Dictionary<string, string> records, byte[] data)
    {
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            _store.ApplyAsync(null, new MemoryStream(Build(Sparse("GNUSparseFile.0/f", records, data))), null, TestContext.Current.CancellationToken));
        Assert.Contains(expected, error.Message);
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task SparseNameMayNotEscapeTheLayer()
    {
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, new MemoryStream(Build(
            Sparse("GNUSparseFile.0/x", V10("../../x", 4), [.. MapText("1\n0\n4\n"), .. "abcd"u8.ToArray()]))), null, TestContext.Current.CancellationToken));
        Assert.Contains("\"../../x\"", error.Message);
        AssertNoLayers(_root);
    }

    /// <summary>A ustar header for a regular file whose size field claims <paramref name="size"/> bytes.</summary>
    private static byte[] UstarHeader(string name, long size)
    {
        var header = new byte[512];
        void Put(int offset, string text) => Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Put(0, name);
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, "14000000000\0");
        Put(156, "0");
        Put(257, "ustar\0");
        Put(263, "00");
        for (var i = 148; i < 156; i++) header[i] = (byte)' ';
        var sum = header.Sum(b => (int)b);
        Put(148, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        return header;
    }

    /// <summary>Reads through; when the archive runs out, measures the disk the unpack has allocated so far.</summary>
    private sealed class MeasuringStream(byte[] data, Func<long> measure) : MemoryStream(data)
    {
        public long AllocatedAtEnd { get; private set; } = -1;

        public override int Read(byte[] buffer, int offset, int count) => Measure(base.Read(buffer, offset, count));
        public override int Read(Span<byte> buffer) => Measure(base.Read(buffer));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Measure(await base.ReadAsync(buffer, cancellationToken));
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Measure(await base.ReadAsync(buffer, offset, count, cancellationToken));

        private int Measure(int n)
        {
            if (n == 0 && AllocatedAtEnd < 0) AllocatedAtEnd = measure();
            return n;
        }
    }

    private long AllocatedUnderRoot() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Sum(path => (long)LStat(path).Blocks * 512);

    [Theory]
    [InlineData(4L << 30)]
    [InlineData((8L << 30) - 1)]
    public async Task TruncatedArchiveClaimingAHugeFileAllocatesNothingBigAndLeavesNothing(long claimed)
    {
        var data = new byte[1024 * 1024];
        new Random(3).NextBytes(data);
        var archive = new MeasuringStream([.. UstarHeader("huge.bin", claimed), .. data], AllocatedUnderRoot);

        await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, archive, null, TestContext.Current.CancellationToken));

        Assert.True(archive.AllocatedAtEnd >= 0, "the archive was never read to its end");
        Assert.True(archive.AllocatedAtEnd < 16 * 1024 * 1024, $"{archive.AllocatedAtEnd} bytes allocated from an untrusted size");
        AssertNoLayers(_root);
    }

    [Fact]
    public async Task TruncatedSparseDataIsABadRequest()
    {
        var full = Build(Sparse("GNUSparseFile.0/f", V10("f", 1L << 30), [.. MapText("1\n4096\n100000\n"), .. new byte[100_000]]));
        // Cut inside the data: TarReader hands over a short entry.
        var cut = full[..(512 * 4 + 50_000)];
        await Assert.ThrowsAsync<InvalidParameterException>(() => _store.ApplyAsync(null, new MemoryStream(cut), null, TestContext.Current.CancellationToken));
        AssertNoLayers(_root);
    }

    [Fact]
    public void ArchiveErrorsDescribeWhatTarReaderRefuses()
    {
        Assert.True(Berth.Layers.Archive.ArchiveErrors.IsCorrupt(new NotSupportedException("Entry type 'SparseFile' not supported.")));
        Assert.Contains("old GNU sparse file (tar type 'S')", Berth.Layers.Archive.ArchiveErrors.Describe(new NotSupportedException()));
        Assert.Contains("GNU sparse format 0.0", Berth.Layers.Archive.ArchiveErrors.Describe(new InvalidDataException("TarDuplicateExtendedAttribute, x")));
        Assert.Equal("unexpected EOF", Berth.Layers.Archive.ArchiveErrors.Describe(new EndOfStreamException()));
        Assert.Equal("not a valid tar archive, or its compression is corrupt", Berth.Layers.Archive.ArchiveErrors.Describe(new InvalidDataException("x")));
    }
}
