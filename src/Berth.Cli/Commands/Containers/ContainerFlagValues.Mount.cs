using System.Text;
using Berth.Core.CommandLine;
using Berth.EngineApi.Models;

namespace Berth.Cli.Commands.Containers;

public static partial class ContainerFlagValues
{
    /// <summary>
    /// docker 28's opts.MountOpt: a CSV line of key=value fields (<c>type</c> defaults to volume;
    /// <c>src</c>/<c>source</c>, <c>dst</c>/<c>destination</c>/<c>target</c>, <c>ro</c>/<c>readonly</c>[=bool],
    /// <c>bind-propagation</c>, <c>bind-recursive</c>, <c>volume-*</c>, <c>image-subpath</c>, <c>tmpfs-*</c>),
    /// with docker's checks. A source starting with "." is made absolute, as docker does.
    /// </summary>
    public static Mount ParseMount(string value)
    {
        string type = "volume", source = "", target = "", consistency = "";
        var readOnly = false;
        BindOptions? bind = null;
        VolumeOptions? volume = null;
        ImageOptions? image = null;
        TmpfsOptions? tmpfs = null;
        Dictionary<string, string>? labels = null, driverOptions = null;
        VolumeOptions Volume() => volume ??= new VolumeOptions { DriverConfig = new MountDriver() };
        foreach (var field in ReadCsvRecord(value))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            var val = eq < 0 ? "" : field[(eq + 1)..];
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro": readOnly = true; continue;
                    case "volume-nocopy": volume = Volume() with { NoCopy = true }; continue;
                    case "bind-nonrecursive": bind = (bind ?? new()) with { NonRecursive = true }; continue;
                    default: throw new FormatException($"invalid field '{field}' must be a key=value pair");
                }
            }
            FormatException Invalid() => new($"invalid value for {key}: {val}");
            switch (key)
            {
                case "type": type = val.ToLowerInvariant(); break;
                case "source" or "src":
                    source = val.StartsWith('.') ? GoAbsolutePath(val) : val;
                    break;
                case "target" or "dst" or "destination": target = val; break;
                case "readonly" or "ro": readOnly = GoSyntax.ParseBool(val) ?? throw Invalid(); break;
                case "consistency": consistency = val.ToLowerInvariant(); break;
                case "bind-propagation": bind = (bind ?? new()) with { Propagation = val.ToLowerInvariant() }; break;
                case "bind-nonrecursive": bind = (bind ?? new()) with { NonRecursive = GoSyntax.ParseBool(val) ?? throw Invalid() }; break;
                case "bind-recursive":
                    bind = val switch
                    {
                        "enabled" => bind ?? new(),
                        "disabled" => (bind ?? new()) with { NonRecursive = true },
                        "writable" => (bind ?? new()) with { ReadOnlyNonRecursive = true },
                        "readonly" => (bind ?? new()) with { ReadOnlyForceRecursive = true },
                        _ => throw new FormatException($"invalid value for {key}: {val} (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")"),
                    };
                    break;
                case "volume-subpath": volume = Volume() with { Subpath = val }; break;
                case "volume-nocopy":
                    volume = Volume() with { NoCopy = GoSyntax.ParseBool(val) ?? throw new FormatException($"invalid value for volume-nocopy: {val}") };
                    break;
                case "volume-label": SetKeyValue(labels ??= [], val); volume = Volume(); break;
                case "volume-driver": volume = Volume() with { DriverConfig = Volume().DriverConfig! with { Name = val.Length > 0 ? val : null } }; break;
                case "volume-opt": SetKeyValue(driverOptions ??= [], val); volume = Volume(); break;
                case "image-subpath": image = new ImageOptions { Subpath = val }; break;
                case "tmpfs-size":
                    long size;
                    try
                    {
                        size = RamInBytes(val);
                    }
                    catch (FormatException)
                    {
                        throw Invalid();
                    }
                    tmpfs = (tmpfs ?? new()) with { SizeBytes = size };
                    break;
                case "tmpfs-mode":
                    tmpfs = (tmpfs ?? new()) with { Mode = ParseOctalUInt32(val) ?? throw Invalid() };
                    break;
                default: throw new FormatException($"unexpected key '{key}' in '{field}'");
            }
        }
        CheckMount(type, target, readOnly, bind, volume, image, tmpfs);
        if (volume is not null)
        {
            // Empty maps are left out, as Go's omitempty does.
            volume = volume with
            {
                Labels = labels is { Count: > 0 } ? labels : null,
                DriverConfig = volume.DriverConfig! with { Options = driverOptions is { Count: > 0 } ? driverOptions : null },
            };
        }
        return new Mount
        {
            Type = type,
            Source = source.Length > 0 ? source : null,
            Target = target,
            ReadOnly = readOnly,
            Consistency = consistency.Length > 0 ? consistency : null,
            BindOptions = bind is { Propagation: "" } ? bind with { Propagation = null } : bind,
            VolumeOptions = volume,
            ImageOptions = image,
            TmpfsOptions = tmpfs,
        };
    }

    private static void CheckMount(string type, string target, bool readOnly, BindOptions? bind, VolumeOptions? volume, ImageOptions? image, TmpfsOptions? tmpfs)
    {
        if (type.Length == 0)
        {
            throw new FormatException("type is required");
        }
        if (target.Length == 0)
        {
            throw new FormatException("target is required");
        }
        foreach (var (options, kind) in new (object?, string)[] { (volume, "volume"), (image, "image"), (bind, "bind"), (tmpfs, "tmpfs") })
        {
            if (options is not null && type != kind)
            {
                throw new FormatException($"cannot mix '{kind}-*' options with mount type '{type}'");
            }
        }
        if (bind is { ReadOnlyNonRecursive: true } && !readOnly)
        {
            throw new FormatException("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
        }
        if (bind is { ReadOnlyForceRecursive: true })
        {
            if (!readOnly)
            {
                throw new FormatException("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
            }
            if (bind.Propagation != "rprivate")
            {
                throw new FormatException("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
            }
        }
    }

    /// <summary>Go's strconv.ParseUint(s, 8, 32).</summary>
    private static uint? ParseOctalUInt32(string s)
    {
        ulong n = 0;
        foreach (var c in s)
        {
            if (c is < '0' or > '7' || (n = (n * 8) + (ulong)(c - '0')) > uint.MaxValue)
            {
                return null;
            }
        }
        return s.Length > 0 ? (uint)n : null;
    }

    /// <summary>docker's setValueOnMap: KEY=VALUE (VALUE may be empty) into the map; an empty KEY is dropped.</summary>
    private static void SetKeyValue(Dictionary<string, string> map, string keyValue)
    {
        var eq = keyValue.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? keyValue : keyValue[..eq];
        if (key.Length > 0)
        {
            map[key] = eq < 0 ? "" : keyValue[(eq + 1)..];
        }
    }

    /// <summary>Go's filepath.Abs: joined to the working directory and cleaned (no trailing slash).</summary>
    private static string GoAbsolutePath(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>
    /// One record as Go's encoding/csv Reader.Read returns it: comma-separated fields, a field that
    /// starts with '"' is quoted ("" for a quote, may run over lines), empty lines skipped; errors
    /// in its words (EOF, bare " in non-quoted field, extraneous or missing " in quoted-field).
    /// </summary>
    private static List<string> ReadCsvRecord(string text)
    {
        var lines = (text.EndsWith('\r') ? text[..^1] : text).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var next = Array.FindIndex(lines, l => l.Length > 0);
        if (next < 0)
        {
            throw new FormatException("EOF");
        }
        var line = lines[next++];
        var lineNumber = next;
        var recordLine = lineNumber;
        var col = 1;
        var fields = new List<string>();
        FormatException Error(int errorLine, int column, string what) => new(
            (errorLine == recordLine ? "" : $"record on line {recordLine}; ") + $"parse error on line {errorLine}, column {column}: {what}");
        while (true)
        {
            if (!line.StartsWith('"'))
            {
                var comma = line.IndexOf(',', StringComparison.Ordinal);
                var field = comma >= 0 ? line[..comma] : line;
                if (field.IndexOf('"', StringComparison.Ordinal) is var quote and >= 0)
                {
                    throw Error(lineNumber, col + quote, "bare \" in non-quoted field");
                }
                fields.Add(field);
                if (comma < 0)
                {
                    return fields;
                }
                line = line[(comma + 1)..];
                col += comma + 1;
                continue;
            }
            var value = new StringBuilder();
            line = line[1..];
            col++;
            while (true)
            {
                var q = line.IndexOf('"', StringComparison.Ordinal);
                if (q < 0)
                {
                    // The quoted field goes on past the end of this line.
                    value.Append(line);
                    var newline = next < lines.Length;
                    col += line.Length + (newline ? 1 : 0);
                    if (!newline || (next == lines.Length - 1 && lines[next].Length == 0))
                    {
                        throw Error(lineNumber, col, "extraneous or missing \" in quoted-field");
                    }
                    value.Append('\n');
                    line = lines[next++];
                    lineNumber = next;
                    col = 1;
                    continue;
                }
                value.Append(line, 0, q);
                line = line[(q + 1)..];
                col += q + 1;
                if (line.StartsWith('"'))
                {
                    value.Append('"');
                    line = line[1..];
                    col++;
                }
                else if (line.StartsWith(','))
                {
                    fields.Add(value.ToString());
                    line = line[1..];
                    col++;
                    break;
                }
                else if (line.Length == 0)
                {
                    fields.Add(value.ToString());
                    return fields;
                }
                else
                {
                    throw Error(lineNumber, col - 1, "extraneous or missing \" in quoted-field");
                }
            }
        }
    }
}
