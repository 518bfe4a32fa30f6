package models

// Limits of the APIs the rules respect, as the Comprehend API reference
// documents them. "KB" is read as a thousand bytes of UTF-8, the stricter
// of its two readings, so that no request is refused under either.
const (
	// MaxSegments is the most text segments of one DetectToxicContent
	// call: "A list of up to 10 text strings".
	MaxSegments = 10
	// MaxSegmentBytes bounds one segment: "Each string has a maximum size
	// of 1 KB". A longer text is split into several segments, at spaces
	// where it can be; none of it is dropped.
	MaxSegmentBytes = 1000
	// MaxSegmentsBytes bounds the segments of one call together: "the
	// maximum size of the list is 10 KB". Texts that need more segments
	// than one call takes are sent in several calls, at once.
	MaxSegmentsBytes = 10000
	// MaxTextBytes bounds the Text of DetectPiiEntities and
	// DetectDominantLanguage: "The maximum string size is 100 KB".
	MaxTextBytes = 100000
	// LanguageSampleBytes is how much of a message's texts
	// DetectDominantLanguage gets when the language is detected: enough
	// to tell the language, and at most 10 of Comprehend's 100-character
	// units.
	LanguageSampleBytes = 1000
)
