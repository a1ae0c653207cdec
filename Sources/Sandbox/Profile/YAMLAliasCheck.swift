import CYaml

/// Profiles never need YAML anchors or aliases, and an alias used as a
/// mapping key makes the YAML library expand and hash it whole while it
/// composes the document: a few hundred bytes of nested aliases cost
/// minutes of CPU before any check of ours could run. This reads the
/// document's events first (aliases are not expanded at that level) and
/// names the first anchor or alias.
enum YAMLAliasCheck {
    /// The 1-based line of the first anchor or alias in `text`, or nil.
    /// Text libyaml can't parse is left to the full parse, which reports it.
    static func firstAnchorOrAlias(in text: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_ALIAS_EVENT: return line
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil: return line
                case YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil: return line
                case YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil: return line
                case YAML_STREAM_END_EVENT: return nil
                default: continue
                }
            }
        }
    }
}
