using System.Formats.Tar;
using System.Globalization;

namespace Berth.Layers.Archive;

/// <summary>
/// A GNU sparse file stored in PAX form: the real name and size in GNU.sparse.* records, the data
/// regions (offset, length) in a map, and only those regions' bytes in the entry's data.
/// Format 1.0 (<c>tar --sparse --format=posix</c>) writes the map as decimal text lines at the
/// start of the data, padded to 512 bytes; format 0.1 keeps it in GNU.sparse.map. Format 0.0
/// repeats GNU.sparse.offset/numbytes records, which TarReader refuses as duplicate keys, so a
/// lone pair that reaches us is refused here too. The map is untrusted: regions must be in
/// order, must not overlap and must lie inside the real size, and their lengths must add up to
/// the entry's data.
/// </summary>
internal sealed class SparseEntry
{
    private const string Prefix = "GNU.sparse.";
    private const int BlockSize = 512;
    /// <summary>More regions than this is not a file anyone made: it only costs us memory.</summary>
    private const int MaxRegions = 1 << 20;

    public required string Name { get; init; }
    public required long RealSize { get; init; }
    /// <summary>The map; null until read from the data for format 1.0.</summary>
    public List<(long Offset, long Length)>? Map { get; private set; }
    /// <summary>True when the map sits at the start of the data (format 1.0).</summary>
    public bool MapInData { get; init; }

    /// <summary>The sparse description of a PAX entry, or null when it is not a sparse file.</summary>
    /// <exception cref="FormatException">GNU.sparse.* records that do not describe a supported sparse file.</exception>
    public static SparseEntry? TryGet(TarEntry entry)
    {
        if (entry is not PaxTarEntry pax) return null;
        var attributes = pax.ExtendedAttributes;
        if (!attributes.Keys.Any(key => key.StartsWith(Prefix, StringComparison.Ordinal))) return null;
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            throw new FormatException("GNU sparse records on an entry that is not a regular file");
        attributes.TryGetValue(Prefix + "major", out var major);
        attributes.TryGetValue(Prefix + "minor", out var minor);
        if (!attributes.TryGetValue(Prefix + "name", out var name) || name.Length == 0)
            throw new FormatException("GNU sparse file without GNU.sparse.name");

        if (major == "1" && minor == "0")
        {
            return new SparseEntry { Name = name, RealSize = Number(attributes, "realsize"), MapInData = true };
        }
        if ((major is null or "0") && (minor is null or "1") && attributes.TryGetValue(Prefix + "map", out var mapText))
        {
            var map = new List<(long, long)>();
            var parts = mapText.Length == 0 ? [] : mapText.Split(',');
            if (parts.Length % 2 != 0) throw new FormatException("GNU.sparse.map has an odd number of values");
            if (parts.Length / 2 > MaxRegions) throw new FormatException("GNU.sparse.map has too many regions");
            for (var i = 0; i < parts.Length; i += 2)
                map.Add((Parse(parts[i], "GNU.sparse.map"), Parse(parts[i + 1], "GNU.sparse.map")));
            var sparse = new SparseEntry { Name = name, RealSize = Number(attributes, "size") };
            sparse.SetMap(map, entry.Length);
            return sparse;
        }
        var version = major is null && minor is null
            ? "0.0 (GNU.sparse.offset/numbytes)"
            : $"{major ?? "?"}.{minor ?? "?"}";
        throw new FormatException($"GNU sparse format {version} is not supported (re-create the archive with tar --sparse --format=posix, or without --sparse)");
    }

    /// <summary>Reads the format 1.0 map from the start of the data; returns the bytes it took (whole blocks).</summary>
    public async Task<long> ReadMapAsync(Stream data, long entryLength, byte[] buffer, CancellationToken cancellationToken)
    {
        var block = buffer.AsMemory(0, BlockSize);
        long consumed = 0;
        long count = -1;
        var numbers = new List<long>();
        long current = 0;
        var digits = 0;
        var map = new List<(long, long)>();
        while (count < 0 || map.Count < count)
        {
            if (consumed + BlockSize > entryLength) throw new FormatException("sparse map runs past the entry's data");
            await data.ReadExactlyAsync(block, cancellationToken);
            consumed += BlockSize;
            foreach (var b in block.Span)
            {
                if (count >= 0 && map.Count == count) break;
                if (b == (byte)'\n')
                {
                    if (digits == 0) throw new FormatException("empty number in the sparse map");
                    if (count < 0)
                    {
                        if (current > MaxRegions) throw new FormatException("sparse map has too many regions");
                        count = current;
                    }
                    else if (numbers.Count == 0) numbers.Add(current);
                    else
                    {
                        map.Add((numbers[0], current));
                        numbers.Clear();
                    }
                    current = 0;
                    digits = 0;
                }
                else if (b is >= (byte)'0' and <= (byte)'9')
                {
                    if (++digits > 18) throw new FormatException("number too large in the sparse map");
                    current = current * 10 + (b - '0');
                }
                else throw new FormatException("sparse map is not decimal lines");
            }
        }
        SetMap(map, entryLength - consumed);
        return consumed;
    }

    private void SetMap(List<(long Offset, long Length)> map, long dataLength)
    {
        long end = 0;
        long total = 0;
        foreach (var (offset, length) in map)
        {
            if (offset < end) throw new FormatException("sparse map regions overlap or are out of order");
            if (length > RealSize || offset > RealSize - length) throw new FormatException("sparse map region lies beyond the file's size");
            end = offset + length;
            total += length;
        }
        if (total != dataLength)
            throw new FormatException($"sparse map describes {total} bytes of data, the entry holds {dataLength}");
        Map = map;
    }

    private static long Number(IReadOnlyDictionary<string, string> attributes, string key) =>
        attributes.TryGetValue(Prefix + key, out var text)
            ? Parse(text, Prefix + key)
            : throw new FormatException($"GNU sparse file without {Prefix}{key}");

    private static long Parse(string text, string what) =>
        text.Length is > 0 and <= 18 && text.All(char.IsAsciiDigit)
            ? long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw new FormatException($"{what} is not a valid size");
}
