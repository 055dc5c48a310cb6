// Package quizzes holds layerlab's knowledge checks: the quiz files in this
// directory, the loader that reads them, and the grading of answers.
package quizzes
