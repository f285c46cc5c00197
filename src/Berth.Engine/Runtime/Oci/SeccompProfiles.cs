using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Core.Errors;

namespace Berth.Engine.Runtime.Oci;

// Docker's seccomp profile format (moby/profiles seccomp.Seccomp): the OCI LinuxSeccomp fields
// plus archMap and syscall rules with includes/excludes conditions on the container's
// capabilities, the host's architecture and kernel version.

internal sealed record DockerSeccompProfile
{
    public string? DefaultAction { get; init; }
    public uint? DefaultErrnoRet { get; init; }
    public IReadOnlyList<string>? Architectures { get; init; }
    public IReadOnlyList<DockerSeccompArch>? ArchMap { get; init; }
    public IReadOnlyList<string>? Flags { get; init; }
    public string? ListenerPath { get; init; }
    public string? ListenerMetadata { get; init; }
    public IReadOnlyList<DockerSyscallRule>? Syscalls { get; init; }
}

internal sealed record DockerSeccompArch
{
    public required string Architecture { get; init; }
    public IReadOnlyList<string>? SubArchitectures { get; init; }
}

internal sealed record DockerSyscallRule
{
    public IReadOnlyList<string>? Names { get; init; }
    /// <summary>Deprecated single-name form, still accepted by docker.</summary>
    public string? Name { get; init; }
    public required string Action { get; init; }
    public uint? ErrnoRet { get; init; }
    public IReadOnlyList<RuntimeSyscallArg>? Args { get; init; }
    public string? Comment { get; init; }
    public DockerSeccompFilter? Includes { get; init; }
    public DockerSeccompFilter? Excludes { get; init; }
}

internal sealed record DockerSeccompFilter
{
    public IReadOnlyList<string>? Caps { get; init; }
    public IReadOnlyList<string>? Arches { get; init; }
    /// <summary>"&lt;kernel&gt;.&lt;major&gt;", e.g. "4.8".</summary>
    public string? MinKernel { get; init; }
}

/// <summary>
/// Turns Docker-format seccomp profiles into OCI <c>linux.seccomp</c> for this host, the way
/// moby's profiles/seccomp setupSeccomp does. The embedded default profile is parsed once;
/// its conversion is cached per capability set, so a container start pays a dictionary lookup.
/// </summary>
public static class SeccompProfiles
{
    private const string ResourceName = "Berth.Engine.Runtime.Oci.seccomp-default.json";

    private static readonly Lazy<DockerSeccompProfile> s_default = new(LoadDefault);
    private static readonly ConcurrentDictionary<ulong, RuntimeSeccomp> s_defaultByCaps = new();

    /// <summary>
    /// The host architecture in the two spellings the profile uses: Go's GOARCH-like name for
    /// includes/excludes.arches, and the SCMP_ARCH_* name that selects the archMap entry.
    /// </summary>
    internal static (string Native, string? Scmp) HostArch { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => ("amd64", "SCMP_ARCH_X86_64"),
        Architecture.X86 => ("x86", "SCMP_ARCH_X86"),
        Architecture.Arm64 => ("arm64", "SCMP_ARCH_AARCH64"),
        Architecture.Arm => ("arm", "SCMP_ARCH_ARM"),
        Architecture.S390x => ("s390x", "SCMP_ARCH_S390X"),
        Architecture.Ppc64le => ("ppc64le", "SCMP_ARCH_PPC64LE"),
        Architecture.RiscV64 => ("riscv64", "SCMP_ARCH_RISCV64"),
        Architecture.LoongArch64 => ("loongarch64", "SCMP_ARCH_LOONGARCH64"),
        _ => (RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(), null),
    };

    /// <summary>Docker's default profile for a container whose bounding set is <paramref name="bounding"/>.</summary>
    public static RuntimeSeccomp Default(IReadOnlyList<string> bounding, OciHostInfo host)
    {
        var key = Capabilities.ToMask(bounding);
        // The host is fixed for the process in production; only tests vary it, and they
        // must not see a conversion made for another kernel.
        if (!ReferenceEquals(host, OciHostInfo.Current))
            return ConvertDefault(bounding, host);
        return s_defaultByCaps.GetOrAdd(key, _ => ConvertDefault(bounding, host));
    }

    /// <summary>A custom profile given as JSON in SecurityOpt ("seccomp=&lt;profile json&gt;"), as docker's LoadProfile.</summary>
    public static RuntimeSeccomp? FromJson(string json, IReadOnlyList<string> bounding, OciHostInfo host)
    {
        DockerSeccompProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize(json, OciJsonContext.Default.DockerSeccompProfile);
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"Decoding seccomp profile failed: {e.Message}", e);
        }
        return profile is null ? null : Convert(profile, bounding, host);
    }

    private static RuntimeSeccomp ConvertDefault(IReadOnlyList<string> bounding, OciHostInfo host) =>
        Convert(s_default.Value, bounding, host) ?? throw new InvalidOperationException("the default seccomp profile has no rules");

    private static DockerSeccompProfile LoadDefault()
    {
        using var stream = typeof(SeccompProfiles).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        return JsonSerializer.Deserialize(stream, OciJsonContext.Default.DockerSeccompProfile)
            ?? throw new InvalidOperationException("the default seccomp profile is empty");
    }

    /// <summary>moby's setupSeccomp: filter the rules on arch, capabilities (the bounding set) and kernel.</summary>
    internal static RuntimeSeccomp? Convert(DockerSeccompProfile config, IReadOnlyList<string> bounding, OciHostInfo host)
    {
        // No default action and no rules: docker treats the profile as "seccomp disabled".
        if (string.IsNullOrEmpty(config.DefaultAction) && (config.Syscalls is null || config.Syscalls.Count == 0))
            return null;
        if (config.Architectures is { Count: > 0 } && config.ArchMap is { Count: > 0 })
            throw new InvalidParameterException("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");

        var (native, scmp) = HostArch;
        var architectures = config.Architectures is { Count: > 0 } ? new List<string>(config.Architectures) : new List<string>();
        if (scmp is not null && config.ArchMap is not null)
        {
            foreach (var a in config.ArchMap)
            {
                if (a.Architecture != scmp) continue;
                architectures.Add(a.Architecture);
                if (a.SubArchitectures is not null) architectures.AddRange(a.SubArchitectures);
                break;
            }
        }

        var syscalls = new List<RuntimeSyscall>();
        foreach (var call in config.Syscalls ?? [])
        {
            IReadOnlyList<string> names;
            if (!string.IsNullOrEmpty(call.Name))
            {
                if (call.Names is { Count: > 0 })
                    throw new InvalidParameterException("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
                names = [call.Name];
            }
            else
            {
                names = call.Names ?? [];
            }

            if (call.Excludes is { } ex)
            {
                if (ex.Arches is { Count: > 0 } && ex.Arches.Contains(native)) continue;
                if (ex.Caps is { Count: > 0 } && ex.Caps.Any(bounding.Contains)) continue;
                if (ex.MinKernel is { Length: > 0 } && KernelAtLeast(host, ex.MinKernel)) continue;
            }
            if (call.Includes is { } inc)
            {
                if (inc.Arches is { Count: > 0 } && !inc.Arches.Contains(native)) continue;
                if (inc.Caps is { Count: > 0 } && !inc.Caps.All(bounding.Contains)) continue;
                if (inc.MinKernel is { Length: > 0 } && !KernelAtLeast(host, inc.MinKernel)) continue;
            }
            syscalls.Add(new RuntimeSyscall { Names = names, Action = call.Action, ErrnoRet = call.ErrnoRet, Args = call.Args });
        }

        return new RuntimeSeccomp
        {
            DefaultAction = config.DefaultAction ?? "",
            DefaultErrnoRet = config.DefaultErrnoRet,
            Architectures = architectures.Count > 0 ? architectures : null,
            Flags = config.Flags,
            ListenerPath = config.ListenerPath,
            ListenerMetadata = config.ListenerMetadata,
            Syscalls = syscalls,
        };
    }

    private static bool KernelAtLeast(OciHostInfo host, string minKernel)
    {
        var parts = minKernel.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var major) || !int.TryParse(parts[1], out var minor) || (major == 0 && minor == 0))
            throw new InvalidParameterException($"invalid kernel version: \"{minKernel}\", expected \"<kernel>.<major>\"");
        return host.KernelAtLeast(major, minor);
    }
}
