namespace Berth.Daemon.Mapping;

/// <summary>
/// Docker's set-like maps (ExposedPorts, Volumes: key → `{}`) carried between the API's and the
/// engine's `{}` types.
/// </summary>
internal static class KeySet
{
    public static Dictionary<string, TTo>? Convert<TFrom, TTo>(IReadOnlyDictionary<string, TFrom>? source, TTo empty) =>
        source?.ToDictionary(pair => pair.Key, _ => empty);
}
